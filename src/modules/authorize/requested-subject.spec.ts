import type { Tenant } from '../../common/tenant/tenant';
import { claimsSubValues, requestedSubjects } from './requested-subject';

const tenant = {} as Tenant;

describe(claimsSubValues.name, () => {
  it.each<[string, Record<string, Record<string, unknown>> | undefined, unknown[]]>([
    ['no claims', undefined, []],
    ['sub without a value', { id_token: { sub: null }, userinfo: { sub: { essential: true } } }, []],
    ['id_token', { id_token: { sub: { value: 'john.doe' } } }, ['john.doe']],
    ['userinfo', { userinfo: { sub: { value: 'john.doe', essential: true } } }, ['john.doe']],
    ['both, in order', { id_token: { sub: { value: 'a' } }, userinfo: { sub: { value: 'b' } } }, ['a', 'b']],
    ['a value that is not a string', { id_token: { sub: { value: 42 } } }, [42]],
  ])('%s', (_name, claims, expected) => {
    expect(claimsSubValues(claims)).toEqual(expected);
  });
});

describe(requestedSubjects.name, () => {
  it('the hint first, then the claims values', () => {
    const hint = { clientId: 'app', audience: ['app'], sub: 'john.doe' };
    expect(requestedSubjects({ tenant, params: {}, idTokenHint: hint, claims: { userinfo: { sub: { value: 'jane.roe' } } } })).toEqual(['john.doe', 'jane.roe']);
    expect(requestedSubjects({ tenant, params: {} })).toEqual([]);
  });
});
