import type { JWTPayload } from 'jose';
import { formatScope } from '@app/oauth-core';

/** RFC 7662 §2.2: an active token's claims; `scope` as a space-separated string there. */
export type IntrospectionResponse = { active: false } | ({ active: true; scope: string; token_type: 'Bearer' | 'refresh_token' } & JWTPayload);

/** The only answer for a token that does not work, whatever the reason. */
export const inactive = (): IntrospectionResponse => ({ active: false });

/** The token's claims as it would carry them as a JWT, with the scope array as a string. */
export function activeToken(claims: JWTPayload): IntrospectionResponse {
  const scope = Array.isArray(claims.scope) ? formatScope(claims.scope as string[]) : typeof claims.scope === 'string' ? claims.scope : '';
  return { active: true, ...claims, scope, token_type: 'Bearer' };
}
