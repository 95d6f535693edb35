import type { JWTPayload } from 'jose';
import type { Tenant } from '../../common/tenant/tenant';
import { accessTokenAudience } from '../tokens/access-token';
import { subjectOf } from '../tokens/user-claims';
import type { TrustedApplicationEntity } from '../trusted-applications/trusted-application.entity';
import type { UserEntity } from '../users/user.entity';
import type { ReferenceTokenEntity } from './reference-token.entity';

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

/**
 * The claims a JWT access token would carry for the same grant (the seed's access-token table):
 * a PAT as the user flow issues them (sub, sub_id, user_type, db, …; no session, so no sid or
 * auth_time), a SAT as client credentials does (client_system_user, client_db, …).
 * `jti` is the token's Id, as the admin API lists it.
 */
export function referenceTokenClaims(
  tenant: Tenant,
  token: ReferenceTokenEntity,
  application: TrustedApplicationEntity,
  user: UserEntity,
  scope: string[],
): JWTPayload {
  const registered: JWTPayload = {
    iss: tenant.issuer,
    aud: accessTokenAudience(tenant, { dataApis: user.userType !== 'ExternalCommunityUser' }),
    iat: seconds(token.createdAt),
    nbf: seconds(token.createdAt),
    exp: seconds(token.expiresAt),
    jti: token.id,
    client_id: application.applicationUri,
    scope,
  };
  if (token.kind === 'SAT') {
    return Object.assign(registered, {
      client_db: tenant.database,
      client_system_user: user.login,
      client_system_user_type: user.userType,
      client_system_user_id: user.id,
    });
  }
  // Object.assign rather than a literal opening with `...registered` (see registeredClaims).
  return Object.assign(registered, {
    sub: subjectOf(tenant, user),
    sub_id: user.id,
    name: user.name,
    ...(user.email ? { email: user.email } : {}),
    email_verified: user.emailVerified,
    ...(user.locale ? { locale: user.locale } : {}),
    user_type: user.userType,
    is_admin: user.isAdmin,
    db: tenant.database,
  });
}
