import { stringParam } from '@app/oauth-core';
import { InvalidClient, InvalidRequest } from '../../../common/oauth/errors';
import type { AuthorizeCheck } from '../authorize.types';

/** client_id names an enabled Trusted Application of this instance. Never redirects. */
export const checkClient: AuthorizeCheck = async (ctx, deps) => {
  const clientId = stringParam(ctx.params, 'client_id');
  if (!clientId) throw new InvalidRequest('missing required parameter(s) client_id');
  const client = await deps.findClient(ctx.tenant.id, clientId);
  if (!client || !client.isEnabled) throw new InvalidClient('unknown or disabled client_id');
  ctx.client = client;
};
