import { duplicatedParameters, missingParameters, stringParam } from './params';

describe('duplicatedParameters', () => {
  it.each([
    [{}, []],
    [{ grant_type: 'client_credentials', scope: 'read' }, []],
    [{ grant_type: ['client_credentials', 'client_credentials'] }, ['grant_type']],
    [{ a: ['1', '2'], b: 'x', c: ['3', '4'] }, ['a', 'c']],
    [{ a: [] }, ['a']],
  ])('%j → %j', (params, expected) => {
    expect(duplicatedParameters(params)).toEqual(expected);
  });
});

describe('missingParameters', () => {
  const required = ['grant_type', 'code', 'redirect_uri'];

  it.each([
    ['all present', { grant_type: 'x', code: 'y', redirect_uri: 'z' }, []],
    ['all absent, in the order required', {}, ['grant_type', 'code', 'redirect_uri']],
    ['empty string counts as missing', { grant_type: '', code: 'y', redirect_uri: 'z' }, ['grant_type']],
    ['null counts as missing', { grant_type: 'x', code: null, redirect_uri: 'z' }, ['code']],
    ['undefined counts as missing', { grant_type: 'x', code: 'y', redirect_uri: undefined }, ['redirect_uri']],
    ['a whitespace value is present', { grant_type: ' ', code: 'y', redirect_uri: 'z' }, []],
    ['extra parameters are ignored', { grant_type: 'x', code: 'y', redirect_uri: 'z', other: '' }, []],
  ])('%s', (_name, params, expected) => {
    expect(missingParameters(params, required)).toEqual(expected);
  });
});

describe('stringParam', () => {
  it.each([
    [{ scope: 'read' }, 'read'],
    [{ scope: ' ' }, ' '],
    [{ scope: '' }, undefined],
    [{}, undefined],
    [{ scope: ['read', 'update'] }, undefined],
    [{ scope: { nested: 'x' } }, undefined],
    [{ scope: 42 }, undefined],
    [{ scope: null }, undefined],
  ])('%j → %j', (params, expected) => {
    expect(stringParam(params, 'scope')).toBe(expected);
  });

  it('does not read inherited properties as parameters', () => {
    expect(stringParam({}, 'toString')).toBeUndefined();
    expect(stringParam({}, '__proto__')).toBeUndefined();
  });
});
