import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { stringParam, type RawParams } from '@app/oauth-core';
import { InvalidRequest, refuseRepeatedParameters } from '../../common/oauth/errors';
import type { Tenant } from '../../common/tenant/tenant';
import { AuditService } from '../audit/audit.service';
import { ClientAuthenticator } from '../token/client-auth';
import { REVOCABLE_TOKEN_STORES, type RevocableTokenStore, type RevocationOutcome } from './revocable-token-store';

/**
 * RFC 7009: parameters -> client authentication -> each store in turn until one knows the token.
 * A Public application identifies itself by client_id alone (§2.1 asks credentials of confidential ones).
 * A store revokes only what the calling application owns; an unknown token, or another
 * application's, is answered like a revoked one (200), so the endpoint tells nothing; the audit log
 * records what was revoked (token.revoked) and another application's token (token.revoked.refused).
 */
@Injectable()
export class RevocationService {
  constructor(
    @Inject(REVOCABLE_TOKEN_STORES) private readonly stores: RevocableTokenStore[],
    private readonly clients: ClientAuthenticator,
    private readonly audit: AuditService,
  ) {}

  async revoke(tenant: Tenant, params: RawParams, authorization: string | undefined, request?: FastifyRequest): Promise<void> {
    refuseRepeatedParameters(params);
    const { client } = await this.clients.authenticate(tenant, params, authorization, { allowPublic: true });
    const token = stringParam(params, 'token');
    if (!token) throw new InvalidRequest('missing required parameter(s) token');
    const hint = stringParam(params, 'token_type_hint');
    for (const store of this.inHintOrder(hint)) {
      const outcome = await store.revoke(tenant, client, token, hint);
      if (outcome) return this.record(tenant, client.applicationUri, outcome, request);
    }
  }

  private record(tenant: Tenant, clientId: string, outcome: RevocationOutcome, request: FastifyRequest | undefined): Promise<void> {
    return this.audit.record({
      instanceId: tenant.id,
      instanceName: tenant.name,
      actor: clientId,
      action: outcome.revoked ? 'token.revoked' : 'token.revoked.refused',
      target: outcome.id,
      details: { kind: outcome.kind, ...(outcome.userId ? { userId: outcome.userId } : {}), ...(outcome.revoked ? {} : { reason: 'another_application' }) },
      request,
    });
  }

  /** Stores that claim the hint first, then the rest in registration order (an unknown hint: all, in order). */
  private inHintOrder(hint: string | undefined): RevocableTokenStore[] {
    if (!hint) return this.stores;
    const first = this.stores.filter((s) => s.tokenTypeHints.includes(hint));
    return [...first, ...this.stores.filter((s) => !first.includes(s))];
  }
}
