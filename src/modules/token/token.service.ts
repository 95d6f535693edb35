import { Inject, Injectable } from '@nestjs/common';
import { stringParam, type RawParams } from '@app/oauth-core';
import { InvalidRequest, refuseRepeatedParameters, UnauthorizedClient, UnsupportedGrantType } from '../../common/oauth/errors';
import type { Tenant } from '../../common/tenant/tenant';
import { MetricsService } from '../metrics/metrics.service';
import { ClientAuthenticator } from './client-auth';
import { GRANTS, type Grant, type TokenResponse } from './token.types';

/** The token endpoint's flow: parameters -> client authentication -> the grant's handler. */
@Injectable()
export class TokenService {
  private readonly grants: ReadonlyMap<string, Grant>;

  constructor(
    @Inject(GRANTS) grants: Grant[],
    private readonly clients: ClientAuthenticator,
    private readonly metrics: MetricsService,
  ) {
    this.grants = new Map(grants.map((g) => [g.grantType, g]));
  }

  get grantTypes(): string[] {
    return [...this.grants.keys()];
  }

  async exchange(tenant: Tenant, params: RawParams, authorization: string | undefined): Promise<TokenResponse> {
    refuseRepeatedParameters(params);
    const grantType = stringParam(params, 'grant_type');
    if (!grantType) throw new InvalidRequest('missing required parameter(s) grant_type');
    const grant = this.grants.get(grantType);
    if (!grant) throw new UnsupportedGrantType(`unsupported grant_type '${grantType.slice(0, 100)}'`);
    const { client } = await this.clients.authenticate(tenant, params, authorization, { allowPublic: grant.allowsPublicClients });
    if (client.clientType === 'Public' && !grant.allowsPublicClients) {
      throw new UnauthorizedClient(`a Public application cannot use grant_type ${grantType}`);
    }
    const response = await grant.handle({ tenant, client, params });
    this.metrics.tokenIssued(grantType, tenant.name);
    return response;
  }
}
