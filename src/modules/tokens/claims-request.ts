import { SUPPORTED_USER_CLAIMS } from './user-claims';

/** The OIDC `claims` request parameter (OIDC Core §5.5), reduced to the claim names asked for. */
export interface ClaimsRequest {
  userinfo?: Record<string, unknown>;
  id_token?: Record<string, unknown>;
}

/** Parses and shape-checks the parameter; returns undefined when it is not a JSON object of objects. */
export function parseClaimsRequest(value: string | undefined): ClaimsRequest | undefined | 'invalid' {
  if (value === undefined) return undefined;
  try {
    const parsed = JSON.parse(value) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return 'invalid';
    const out: ClaimsRequest = {};
    for (const member of ['userinfo', 'id_token'] as const) {
      const v = (parsed as Record<string, unknown>)[member];
      if (v === undefined || v === null) continue;
      if (typeof v !== 'object' || Array.isArray(v)) return 'invalid';
      out[member] = v as Record<string, unknown>;
    }
    return out;
  } catch {
    return 'invalid';
  }
}

/** Every claim identityClaims() can produce; sub is always present anyway. */
const RETURNABLE = new Set(SUPPORTED_USER_CLAIMS.filter((name) => name !== 'sub'));

/**
 * The claim names requested for `target` that this server can return. Others are ignored (OIDC Core
 * §5.5.1: a claim that is not available is left out), so that a client cannot fill the access token,
 * which carries the userinfo names, with arbitrary strings.
 */
export function requestedClaimNames(request: ClaimsRequest | null | undefined, target: 'userinfo' | 'id_token'): string[] {
  return Object.keys(request?.[target] ?? {}).filter((name) => RETURNABLE.has(name));
}

