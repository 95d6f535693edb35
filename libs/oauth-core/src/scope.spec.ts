import { formatScope, isValidScopeString, parseScope, scopesOutside } from './scope';

describe('parseScope', () => {
  it.each([
    [undefined, []],
    [null, []],
    ['', []],
    ['   ', []],
    ['read', ['read']],
    ['read update', ['read', 'update']],
    ['  read   update  ', ['read', 'update']],
    ['read update read', ['read', 'update']],
    ['update read', ['update', 'read']],
    ['Read read', ['Read', 'read']],
  ])('%j → %j', (value, expected) => {
    expect(parseScope(value)).toEqual(expected);
  });
});

describe('formatScope', () => {
  it('joins with single spaces and round-trips through parseScope', () => {
    expect(formatScope(['read', 'update'])).toBe('read update');
    expect(parseScope(formatScope(['a', 'b', 'c']))).toEqual(['a', 'b', 'c']);
    expect(formatScope([])).toBe('');
  });
});

describe('scopesOutside', () => {
  it.each([
    [['read'], ['read', 'update'], []],
    [['read', 'update'], ['read', 'update'], []],
    [[], ['read'], []],
    [['read', 'delete'], ['read', 'update'], ['delete']],
    [['read'], [], ['read']],
    [['Read'], ['read'], ['Read']],
    [['rea'], ['read'], ['rea']],
  ])('%j outside %j → %j', (requested, allowed, expected) => {
    expect(scopesOutside(requested, allowed)).toEqual(expected);
  });
});

describe('isValidScopeString', () => {
  it.each([
    ['read', true],
    ['read update', true],
    ['openid profile offline_access', true],
    ['urn:example:scope https://api.example.com/read', true],
    ['!#$%&\'()*+,-./:;<=>?@[]^_`{|}~', true],
    ['a"b', false],
    ['"read"', false],
    ['a\\b', false],
    ['read\tupdate', false],
    ['read\nupdate', false],
    ['réad', false],
    ['read\u0000', false],
    ['read \u007f', false],
  ])('%j → %s', (value, expected) => {
    expect(isValidScopeString(value)).toBe(expected);
  });
});
