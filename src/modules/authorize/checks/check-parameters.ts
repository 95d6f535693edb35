import { refuseRepeatedParameters, RequestNotSupported, RequestUriNotSupported } from '../../../common/oauth/errors';
import type { AuthorizeCheck } from '../authorize.types';

/**
 * No parameter twice; request objects and request_uri are refused, as discovery says. An empty one
 * is as if it were not sent (RFC 6749 §3.1), as every other parameter is.
 */
export const checkParameters: AuthorizeCheck = (ctx) => {
  refuseRepeatedParameters(ctx.params);
  if (sent(ctx.params.request)) throw new RequestNotSupported('request objects are not supported');
  if (sent(ctx.params.request_uri)) throw new RequestUriNotSupported('request_uri is not supported');
};

const sent = (value: unknown) => value !== undefined && value !== '';
