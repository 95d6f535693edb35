import type { TrustedApplicationEntity } from '../trusted-applications/trusted-application.entity';
import type { UserEntity } from './user.entity';

export type SignInRefusal = 'inactive' | 'no-login' | 'internal-not-allowed' | 'community-not-allowed';

/**
 * Whether this user may sign in through this application: internal users only where
 * ImpersonateAsInternalUserAllowed, community users only where ImpersonateAsCommunityUserAllowed,
 * SystemUserNoLogin and inactive users never. Null means allowed.
 */
export function signInRefusal(client: TrustedApplicationEntity, user: UserEntity): SignInRefusal | null {
  if (!user.active) return 'inactive';
  switch (user.userType) {
    case 'SystemUserNoLogin':
      return 'no-login';
    case 'InternalUser':
      return client.impersonateAsInternalUserAllowed ? null : 'internal-not-allowed';
    case 'ExternalCommunityUser':
      return client.impersonateAsCommunityUserAllowed ? null : 'community-not-allowed';
    default:
      return 'no-login';
  }
}

/** Whether the user can sign in at all (no application involved: the sign-in page visited directly). */
export function canSignIn(user: UserEntity): boolean {
  return user.active && user.userType !== 'SystemUserNoLogin';
}
