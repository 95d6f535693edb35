import type { UserEntity } from '../users/user.entity';
import type { Tenant } from '../../common/tenant/tenant';

/**
 * The sub claim: an instance user's Login (the seed's table), but on the Global authority a stable
 * account id, since an ERP.net ID's email (its login) can change.
 */
export function subjectOf(tenant: Tenant, user: UserEntity): string {
  return tenant.type === 'Global' ? user.id : user.login;
}

/** OIDC scopes the server understands besides a Trusted Application's API scopes. */
export const IDENTITY_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;
/** Standard scopes without claims here (no address or phone is kept): ignored when requested (OIDC Core §5.4). */
export const IGNORED_SCOPES = new Set(['address', 'phone']);

const SCOPE_CLAIMS: Record<string, string[]> = {
  profile: ['name', 'preferred_username', 'locale', 'updated_at'],
  email: ['email', 'email_verified'],
};

export const SUPPORTED_USER_CLAIMS = ['sub', 'name', 'preferred_username', 'locale', 'updated_at', 'email', 'email_verified', 'sub_id', 'user_type', 'is_admin', 'db'];

function claimValue(user: UserEntity, tenant: Tenant, claim: string): unknown {
  switch (claim) {
    case 'name':
      return user.name;
    case 'preferred_username':
      return user.login;
    case 'locale':
      return user.locale ?? undefined;
    case 'updated_at':
      return Math.floor(user.updatedAt.getTime() / 1000);
    case 'email':
      return user.email ?? undefined;
    case 'email_verified':
      return user.email ? user.emailVerified : undefined;
    case 'sub_id':
      return user.id;
    case 'user_type':
      return user.userType;
    case 'is_admin':
      return user.isAdmin;
    case 'db':
      return tenant.database;
    default:
      return undefined;
  }
}

/** The identity claims for the granted scopes plus any individually requested ones (the `claims` parameter). */
export function identityClaims(tenant: Tenant, user: UserEntity, scopes: readonly string[], requested: readonly string[] = []): Record<string, unknown> {
  const names = new Set<string>(requested);
  for (const scope of scopes) for (const c of SCOPE_CLAIMS[scope] ?? []) names.add(c);
  const out: Record<string, unknown> = {};
  for (const name of names) {
    const value = claimValue(user, tenant, name);
    if (value !== undefined) out[name] = value;
  }
  return out;
}
