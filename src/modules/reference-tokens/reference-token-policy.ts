import type { AccessTokensPolicy, TrustedApplicationEntity } from '../trusted-applications/trusted-application.entity';
import { canSignIn } from '../users/sign-in-policy';
import type { UserEntity } from '../users/user.entity';
import type { ReferenceTokenKind } from './reference-token.entity';

/** Why an application/user pair may not hold a reference token of this kind; undefined when it may. */
export type PolicyViolation =
  | 'application_disabled'
  | 'user_inactive'
  | 'system_user_not_allowed'
  | 'not_the_system_user'
  | 'access_tokens_not_administrators_only'
  | 'access_tokens_none'
  | 'administrators_only'
  | 'user_cannot_sign_in';

/**
 * ERP.net's rules for who may hold a reference token, checked when one is issued and again on
 * every use, so that changing the application or the user takes effect on the next request.
 * SAT: the application allows its SystemUser, this user is that SystemUser, and AccessTokens is
 * AdministratorsOnly. PAT: AccessTokens AuthenticatedUsers, or AdministratorsOnly for an admin, and
 * a user who can authenticate at all: never a SystemUserNoLogin (the application's Impersonate…
 * flags govern interactive sign-in, AccessTokens governs PATs).
 */
export function referenceTokenPolicyViolation(kind: ReferenceTokenKind, application: TrustedApplicationEntity, user: UserEntity): PolicyViolation | undefined {
  if (!application.isEnabled) return 'application_disabled';
  if (!user.active) return 'user_inactive';
  if (kind === 'SAT') {
    if (!application.systemUserAllowed || !application.systemUser) return 'system_user_not_allowed';
    if (application.systemUser.toLowerCase() !== user.login.toLowerCase()) return 'not_the_system_user';
    if (application.accessTokens !== 'AdministratorsOnly') return 'access_tokens_not_administrators_only';
    return undefined;
  }
  return patViolation(application.accessTokens, user) ?? (canSignIn(user) ? undefined : 'user_cannot_sign_in');
}

function patViolation(policy: AccessTokensPolicy, user: UserEntity): PolicyViolation | undefined {
  switch (policy) {
    case 'AuthenticatedUsers':
      return undefined;
    case 'AdministratorsOnly':
      return user.isAdmin ? undefined : 'administrators_only';
    default:
      return 'access_tokens_none';
  }
}

/** The admin API's wording of each violation, with the attribute it concerns. */
export const POLICY_MESSAGES: Record<PolicyViolation, [field: string, reason: string]> = {
  application_disabled: ['ApplicationUri', 'the application is disabled'],
  user_inactive: ['UserLogin', 'the user is inactive'],
  system_user_not_allowed: ['ApplicationUri', 'a SAT needs an application with a SystemUser and SystemUserAllowed'],
  not_the_system_user: ['UserLogin', "a SAT acts for the application's SystemUser"],
  access_tokens_not_administrators_only: ['ApplicationUri', 'a SAT needs an application with AccessTokens AdministratorsOnly'],
  access_tokens_none: ['ApplicationUri', 'the application does not allow personal access tokens (AccessTokens None)'],
  administrators_only: ['UserLogin', 'the application allows personal access tokens for administrators only (AccessTokens AdministratorsOnly)'],
  user_cannot_sign_in: ['UserLogin', 'a SystemUserNoLogin user cannot hold a personal access token'],
};
