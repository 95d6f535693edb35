import { parseClaimsRequest, requestedClaimNames } from './claims-request';

describe(parseClaimsRequest.name, () => {
  it.each([
    ['absent', undefined, undefined],
    ['an empty object', '{}', {}],
    ['userinfo only', '{"userinfo":{"email":{"essential":true}}}', { userinfo: { email: { essential: true } } }],
    ['id_token only', '{"id_token":{"name":null}}', { id_token: { name: null } }],
    ['a null member is left out', '{"userinfo":null,"id_token":{"name":null}}', { id_token: { name: null } }],
    ['other members are ignored', '{"foo":1,"userinfo":{}}', { userinfo: {} }],
  ])('%s', (_name, value, expected) => {
    expect(parseClaimsRequest(value)).toEqual(expected);
  });

  it.each(['{', 'null', '[]', '"x"', '42', '{"userinfo":[]}', '{"userinfo":"email"}', '{"id_token":1}'])('%s is invalid', (value) => {
    expect(parseClaimsRequest(value)).toBe('invalid');
  });
});

describe(requestedClaimNames.name, () => {
  it('returns the requested names the server can return, for the target asked', () => {
    const request = { userinfo: { email: { essential: true }, name: null }, id_token: { locale: null } };
    expect(requestedClaimNames(request, 'userinfo')).toEqual(['email', 'name']);
    expect(requestedClaimNames(request, 'id_token')).toEqual(['locale']);
    expect(requestedClaimNames(null, 'userinfo')).toEqual([]);
  });

  it('ignores claims the server does not have, sub, and inherited names', () => {
    const request = parseClaimsRequest('{"userinfo":{"phone_number":null,"sub":{"value":"x"},"__proto__":null,"constructor":null,"email":null}}');
    expect(requestedClaimNames(request as never, 'userinfo')).toEqual(['email']);
  });
});
