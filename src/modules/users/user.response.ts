import type { UserEntity } from './user.entity';

/** Never includes the password or its hash. */
export function userResponse(u: UserEntity) {
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
    CreatedAt: u.createdAt,
    UpdatedAt: u.updatedAt,
  };
}
