import type { ClaimsRequest } from '../tokens/claims-request';
import type { AuthorizeCheckContext } from './authorize.types';

/** The sub values the claims parameter names (`{"sub": {"value": …}}` under id_token or userinfo), strings or not. */
export function claimsSubValues(claims: ClaimsRequest | undefined): unknown[] {
  return [claims?.id_token, claims?.userinfo].flatMap((member) => {
    const sub = member?.sub;
    return sub && typeof sub === 'object' && 'value' in sub ? [(sub as { value: unknown }).value] : [];
  });
}

/**
 * The users a request names: the id_token_hint's sub and the claims sub values (checked to be
 * strings by checkPrompt). OIDC Core §5.5.1: the answer must never be for anyone else.
 */
export function requestedSubjects(req: AuthorizeCheckContext): string[] {
  return [...(req.idTokenHint ? [req.idTokenHint.sub] : []), ...(claimsSubValues(req.claims) as string[])];
}
