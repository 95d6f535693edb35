import { Injectable } from '@nestjs/common';
import { compactVerify, decodeProtectedHeader } from 'jose';
import { isDatabaseUnavailable } from '../../common/database-errors';
import type { Tenant } from '../../common/tenant/tenant';
import { KeysService } from '../keys/keys.service';

/** As for access tokens (access-token-verifier.ts): our own nodes may disagree on the time by a little. */
const CLOCK_TOLERANCE_SECONDS = 5;

export interface IdTokenHint {
  clientId: string;
  /** Every audience of the token; the authorization endpoint requires its client_id among them. */
  audience: string[];
  sub: string;
  sid?: string;
}

/**
 * Validates an id_token_hint, for end session (OIDC RP-Initiated Logout §2) and the authorization
 * endpoint (OIDC Core §3.1.2.1): signed by one of this instance's keys with RS256, issued by this
 * instance. An expired hint is still a valid hint, so exp is not checked.
 */
@Injectable()
export class IdTokenHintVerifier {
  constructor(private readonly keys: KeysService) {}

  async verify(tenant: Tenant, token: string): Promise<IdTokenHint | null> {
    try {
      const header = decodeProtectedHeader(token);
      if (header.alg !== 'RS256' || typeof header.kid !== 'string' || (header.typ && header.typ !== 'JWT')) return null;
      const key = await this.keys.publicKey(tenant.id, header.kid);
      if (!key) return null;
      const { payload } = await compactVerify(token, key, { algorithms: ['RS256'] });
      const claims = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
      const clientId = audienceClient(claims);
      if (claims.iss !== tenant.issuer || !clientId || typeof claims.sub !== 'string') return null;
      // Expired is fine, issued in the future is not: we never issue one, so it was not ours.
      if (notYetValid(claims)) return null;
      const audience = (Array.isArray(claims.aud) ? claims.aud : [claims.aud]) as string[];
      return { clientId, audience, sub: claims.sub, sid: typeof claims.sid === 'string' ? claims.sid : undefined };
    } catch (e) {
      // An unreachable database is a 503, not an invalid hint.
      if (isDatabaseUnavailable(e)) throw e;
      return null;
    }
  }
}

/** nbf or iat later than now (with our nodes' small clock tolerance). */
function notYetValid(claims: Record<string, unknown>): boolean {
  const latest = Math.floor(Date.now() / 1000) + CLOCK_TOLERANCE_SECONDS;
  return [claims.nbf, claims.iat].some((t) => t !== undefined && (typeof t !== 'number' || t > latest));
}

/** The client the ID token was issued to: its single audience, or azp when it names one of several (OIDC Core §2). */
function audienceClient(claims: Record<string, unknown>): string | undefined {
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!aud.every((a) => typeof a === 'string') || aud.length === 0) return undefined;
  if (aud.length === 1) return typeof claims.azp === 'string' && claims.azp !== aud[0] ? undefined : (aud[0] as string);
  return typeof claims.azp === 'string' && aud.includes(claims.azp) ? claims.azp : undefined;
}
