import { duplicatedParameters } from '@app/oauth-core';
import { InvalidRequest, RequestNotSupported, RequestUriNotSupported } from '../../../common/oauth/errors';
import type { AuthorizeCheck } from '../authorize.types';

/** No parameter twice; request objects and request_uri are refused, as discovery says. */
export const checkParameters: AuthorizeCheck = (ctx) => {
  const repeated = duplicatedParameters(ctx.params);
  if (repeated.length) throw new InvalidRequest(`parameters must not be repeated: ${repeated.join(', ')}`);
  if (ctx.params.request !== undefined) throw new RequestNotSupported('request objects are not supported');
  if (ctx.params.request_uri !== undefined) throw new RequestUriNotSupported('request_uri is not supported');
};
