import type { UserEntity } from './user.entity';

/** Never includes the password or its hash. `lockedUntil`: the end of a sign-in lockout in force now. */
export function userResponse(u: UserEntity, lockedUntil: Date | null = null) {
  return {
    Id: u.id,
    Login: u.login,
    Email: u.email,
    Name: u.name,
    UserType: u.userType,
    IsAdmin: u.isAdmin,
    Locale: u.locale,
    EmailVerified: u.emailVerified,
    Active: u.active,
    LockedUntil: lockedUntil,
    CreatedAt: u.createdAt,
    UpdatedAt: u.updatedAt,
  };
}
