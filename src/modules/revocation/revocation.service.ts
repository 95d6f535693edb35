import { Inject, Injectable } from '@nestjs/common';
import { duplicatedParameters, stringParam, type RawParams } from '@app/oauth-core';
import { InvalidRequest } from '../../common/oauth/errors';
import type { Tenant } from '../../common/tenant/tenant';
import { ClientAuthenticator } from '../token/client-auth';
import { REVOCABLE_TOKEN_STORES, type RevocableTokenStore } from './revocable-token-store';

/**
 * RFC 7009: parameters -> client authentication -> each store in turn until one knows the token.
 * A store revokes only what the calling application owns; an unknown token, or another
 * application's, is answered like a revoked one (200), so the endpoint tells nothing.
 */
@Injectable()
export class RevocationService {
  constructor(
    @Inject(REVOCABLE_TOKEN_STORES) private readonly stores: RevocableTokenStore[],
    private readonly clients: ClientAuthenticator,
  ) {}

  async revoke(tenant: Tenant, params: RawParams, authorization: string | undefined): Promise<void> {
    const repeated = duplicatedParameters(params);
    if (repeated.length) throw new InvalidRequest(`parameters must not be repeated: ${repeated.join(', ')}`);
    const { client } = await this.clients.authenticate(tenant, params, authorization, { allowPublic: false });
    const token = stringParam(params, 'token');
    if (!token) throw new InvalidRequest('missing required parameter(s) token');
    const hint = stringParam(params, 'token_type_hint');
    for (const store of this.inHintOrder(hint)) {
      if (await store.revoke(tenant, client, token, hint)) return;
    }
  }

  /** Stores that claim the hint first, then the rest in registration order (an unknown hint: all, in order). */
  private inHintOrder(hint: string | undefined): RevocableTokenStore[] {
    if (!hint) return this.stores;
    const first = this.stores.filter((s) => s.tokenTypeHints.includes(hint));
    return [...first, ...this.stores.filter((s) => !first.includes(s))];
  }
}
