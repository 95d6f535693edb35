import type { JWTPayload } from 'jose';
import type { Tenant } from '../../common/tenant/tenant';
import { randomHexId } from '../../common/crypto/random';

/** The ERP.net APIs that accept an instance's access tokens, plus the instance's own resources. */
export function accessTokenAudience(tenant: Tenant, options: { dataApis: boolean } = { dataApis: true }): string[] {
  const resources = `${tenant.issuer}/resources`;
  return options.dataApis ? ['DomainAPI', 'TableAPI', 'OLAP', 'AppServer', resources] : [resources];
}

/** The registered claims every access token carries (the seed's table: iss, aud, iat, nbf, exp, jti). */
export function registeredClaims(tenant: Tenant, now: number, lifetime: number, aud: string[]): JWTPayload {
  return { iss: tenant.issuer, aud, iat: now, nbf: now, exp: now + lifetime, jti: randomHexId(16) };
}
