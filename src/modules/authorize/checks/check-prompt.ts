import { stringParam } from '@app/oauth-core';
import { AccessDenied, InvalidRequest } from '../../../common/oauth/errors';
import { parseClaimsRequest } from '../../tokens/claims-request';
import type { AuthorizeCheck } from '../authorize.types';
import { claimsSubValues } from '../requested-subject';

const PROMPTS = new Set(['none', 'login', 'consent', 'select_account']);

/** prompt, max_age and claims are well-formed (OIDC Core §3.1.2.1, §5.5). */
export const checkPrompt: AuthorizeCheck = (ctx) => {
  const prompt = new Set((stringParam(ctx.params, 'prompt') ?? '').split(' ').filter(Boolean));
  for (const p of prompt) if (!PROMPTS.has(p)) throw new InvalidRequest(`unsupported prompt value '${p.slice(0, 40)}'`);
  if (prompt.has('none') && prompt.size > 1) throw new InvalidRequest('prompt none cannot be combined with other values');
  ctx.prompt = prompt;

  const maxAge = stringParam(ctx.params, 'max_age');
  if (maxAge !== undefined) {
    if (!/^\d{1,10}$/.test(maxAge)) throw new InvalidRequest('max_age must be a non-negative integer');
    ctx.maxAge = Number(maxAge);
  }

  const claims = parseClaimsRequest(stringParam(ctx.params, 'claims'));
  if (claims === 'invalid') throw new InvalidRequest('claims must be a JSON object with userinfo and/or id_token members');
  if (claimsSubValues(claims).some((v) => typeof v !== 'string')) throw new InvalidRequest('the sub value in claims must be a string');
  // OIDC Core §5.5.1.1: an essential acr with values must be met, else the authentication fails.
  // This server defines no authentication context class, so none can be.
  if (isEssentialWithValues(claims?.id_token?.acr)) throw new AccessDenied('the requested authentication context class (essential acr) cannot be met');
  ctx.claims = claims;
};

function isEssentialWithValues(request: unknown): boolean {
  if (!request || typeof request !== 'object') return false;
  const { essential, value, values } = request as { essential?: unknown; value?: unknown; values?: unknown };
  return essential === true && (value !== undefined || values !== undefined);
}
