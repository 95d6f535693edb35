import { canonicalEmail } from './email';

describe(canonicalEmail.name, () => {
  it.each([
    ['Dave@Example.test', 'dave@example.test'],
    ['"dave"@example.test', 'dave@example.test'],
    ['"da ve"@example.test', '"da ve"@example.test'],
    ['dave@exämple.test', 'dave@xn--exmple-cua.test'],
    ['dave@xn--exmple-cua.test', 'dave@xn--exmple-cua.test'],
    ['jose\u0301@example.test', 'jos\u00e9@example.test'],
  ])('%s → %s', (input, expected) => {
    expect(canonicalEmail(input)).toBe(expected);
  });

  it('undefined without a local part or with a domain that has no ASCII form', () => {
    expect(canonicalEmail('@example.test')).toBeUndefined();
    expect(canonicalEmail('dave@exa mple.test')).toBeUndefined();
  });
});
