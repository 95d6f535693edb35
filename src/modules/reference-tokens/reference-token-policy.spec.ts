import type { TrustedApplicationEntity } from '../trusted-applications/trusted-application.entity';
import type { UserEntity } from '../users/user.entity';
import { referenceTokenPolicyViolation } from './reference-token-policy';

const app = (over: Partial<TrustedApplicationEntity> = {}) =>
  ({ isEnabled: true, systemUser: 'svc', systemUserAllowed: true, accessTokens: 'AdministratorsOnly', ...over }) as TrustedApplicationEntity;
const user = (over: Partial<UserEntity> = {}) => ({ login: 'svc', active: true, isAdmin: false, userType: 'InternalUser', ...over }) as UserEntity;

describe(referenceTokenPolicyViolation.name, () => {
  it.each([
    ['SAT for the SystemUser', 'SAT', app(), user(), undefined],
    ['SAT, login compared case-insensitively', 'SAT', app({ systemUser: 'SVC' }), user(), undefined],
    ['SAT, application disabled', 'SAT', app({ isEnabled: false }), user(), 'application_disabled'],
    ['SAT, user inactive', 'SAT', app(), user({ active: false }), 'user_inactive'],
    ['SAT without SystemUserAllowed', 'SAT', app({ systemUserAllowed: false }), user(), 'system_user_not_allowed'],
    ['SAT without a SystemUser', 'SAT', app({ systemUser: null }), user(), 'system_user_not_allowed'],
    ['SAT for another user', 'SAT', app(), user({ login: 'alice' }), 'not_the_system_user'],
    ['SAT with AccessTokens AuthenticatedUsers', 'SAT', app({ accessTokens: 'AuthenticatedUsers' }), user(), 'access_tokens_not_administrators_only'],
    ['PAT with AuthenticatedUsers', 'PAT', app({ accessTokens: 'AuthenticatedUsers' }), user({ login: 'alice' }), undefined],
    ['PAT with AdministratorsOnly for an admin', 'PAT', app(), user({ login: 'boss', isAdmin: true }), undefined],
    ['PAT with AdministratorsOnly for a non-admin', 'PAT', app(), user({ login: 'alice' }), 'administrators_only'],
    ['PAT with None', 'PAT', app({ accessTokens: 'None' }), user({ isAdmin: true }), 'access_tokens_none'],
    ['PAT, application disabled', 'PAT', app({ isEnabled: false, accessTokens: 'AuthenticatedUsers' }), user(), 'application_disabled'],
    ['PAT, user inactive', 'PAT', app({ accessTokens: 'AuthenticatedUsers' }), user({ active: false }), 'user_inactive'],
    ['PAT for a SystemUserNoLogin', 'PAT', app({ accessTokens: 'AuthenticatedUsers' }), user({ userType: 'SystemUserNoLogin' }), 'user_cannot_sign_in'],
    ['PAT for an admin SystemUserNoLogin', 'PAT', app(), user({ userType: 'SystemUserNoLogin', isAdmin: true }), 'user_cannot_sign_in'],
    ['PAT for a community user', 'PAT', app({ accessTokens: 'AuthenticatedUsers' }), user({ userType: 'ExternalCommunityUser' }), undefined],
    ['SAT for a SystemUserNoLogin SystemUser', 'SAT', app(), user({ userType: 'SystemUserNoLogin' }), undefined],
  ] as const)('%s', (_name, kind, application, holder, expected) => {
    expect(referenceTokenPolicyViolation(kind, application, holder)).toBe(expected);
  });
});
