import { stringParam } from '@app/oauth-core';
import { InvalidRequest, UnsupportedResponseType } from '../../../common/oauth/errors';
import type { AuthorizeCheck, ResponseTypePart } from '../authorize.types';

export const RESPONSE_TYPES = ['code', 'id_token', 'id_token token', 'code id_token', 'code token', 'code id_token token', 'token'];
const SUPPORTED = new Set(RESPONSE_TYPES.map((t) => t.split(' ').sort().join(' ')));
const MODES = new Set(['query', 'fragment', 'form_post']);

/** response_type is one of the supported combinations (in any order) and response_mode fits it. */
export const checkResponseType: AuthorizeCheck = (ctx) => {
  const responseType = stringParam(ctx.params, 'response_type');
  if (!responseType) throw new InvalidRequest('missing required parameter(s) response_type');
  const parts = responseType.split(' ').filter(Boolean);
  if (!SUPPORTED.has([...parts].sort().join(' ')) || new Set(parts).size !== parts.length) {
    throw new UnsupportedResponseType(`unsupported response_type '${responseType.slice(0, 60)}'`);
  }
  ctx.responseTypes = new Set(parts as ResponseTypePart[]);
  const mode = stringParam(ctx.params, 'response_mode');
  if (mode !== undefined && !MODES.has(mode)) throw new InvalidRequest(`unsupported response_mode '${mode.slice(0, 60)}'`);
  // Tokens never travel in a query string (OAuth 2.0 Multiple Response Type Encoding Practices §2.1).
  if (mode === 'query' && (ctx.responseTypes.has('token') || ctx.responseTypes.has('id_token'))) {
    ctx.redirect!.responseMode = 'fragment';
    throw new InvalidRequest('response_mode query is not allowed for a response_type that returns tokens');
  }
};
