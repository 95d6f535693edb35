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

export function requestedClaimNames(request: ClaimsRequest | null | undefined, target: 'userinfo' | 'id_token'): string[] {
  return Object.keys(request?.[target] ?? {});
}
