import { Injectable } from '@nestjs/common';
import type { JWTPayload } from 'jose';
import { duplicatedParameters, stringParam, type RawParams } from '@app/oauth-core';
import { InvalidRequest, InvalidToken } from '../../common/oauth/errors';
import type { Tenant } from '../../common/tenant/tenant';
import { referenceTokenClaims } from '../reference-tokens/reference-token.claims';
import { isReferenceTokenFormat } from '../reference-tokens/reference-token-secret';
import { ReferenceTokensService } from '../reference-tokens/reference-tokens.service';
import { ClientAuthenticator } from '../token/client-auth';
import { AccessTokenVerifier } from '../tokens/access-token-verifier';
import { RevokedAccessTokensRepository } from '../tokens/revoked-access-tokens.repository';
import { TrustedApplicationsService } from '../trusted-applications/trusted-applications.service';
import { UsersService } from '../users/users.service';
import { activeToken, inactive, type IntrospectionResponse } from './introspection.response';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * RFC 7662 for the instance's resource servers: any Trusted Application of the instance that
 * authenticates with its secret may ask. A reference token (PAT/SAT) is looked up by its hash; a
 * JWT access token is fully validated. Anything else, or anything that does not work right now,
 * is `{"active":false}` and nothing more.
 *
 * Once warm, neither kind costs a database round trip: the reference token's row, the revoked
 * jtis, the applications and the users are cached per process and dropped through the ChangeFeed
 * when revoked or changed (see ReferenceTokensService and RevokedAccessTokensRepository).
 */
@Injectable()
export class IntrospectionService {
  constructor(
    private readonly clients: ClientAuthenticator,
    private readonly referenceTokens: ReferenceTokensService,
    private readonly verifier: AccessTokenVerifier,
    private readonly revokedAccessTokens: RevokedAccessTokensRepository,
    private readonly applications: TrustedApplicationsService,
    private readonly users: UsersService,
  ) {}

  async introspect(tenant: Tenant, params: RawParams, authorization: string | undefined): Promise<IntrospectionResponse> {
    const repeated = duplicatedParameters(params);
    if (repeated.length) throw new InvalidRequest(`parameters must not be repeated: ${repeated.join(', ')}`);
    await this.clients.authenticate(tenant, params, authorization, { allowPublic: false });
    const token = stringParam(params, 'token');
    if (!token) throw new InvalidRequest('missing required parameter(s) token');
    // token_type_hint is not needed: the two kinds cannot be mistaken for each other.
    return isReferenceTokenFormat(token) ? this.referenceToken(tenant, token) : this.accessToken(tenant, token);
  }

  private async referenceToken(tenant: Tenant, token: string): Promise<IntrospectionResponse> {
    const found = await this.referenceTokens.findActive(tenant, token);
    if (!found) return inactive();
    return activeToken(referenceTokenClaims(tenant, found.token, found.application, found.user, found.scope));
  }

  private async accessToken(tenant: Tenant, token: string): Promise<IntrospectionResponse> {
    let payload: JWTPayload;
    try {
      payload = await this.verifier.verify(tenant, token);
    } catch (e) {
      if (e instanceof InvalidToken) return inactive();
      throw e;
    }
    return (await this.stillValid(tenant, payload)) ? activeToken(payload) : inactive();
  }

  /**
   * A signed token outlives its grant: it must not have been revoked (a replayed code revokes the
   * tokens issued from it), its application must still be enabled, its user still active.
   */
  private async stillValid(tenant: Tenant, payload: JWTPayload): Promise<boolean> {
    if (typeof payload.jti !== 'string' || (await this.revokedAccessTokens.isRevoked(tenant.id, payload.jti))) return false;
    const client = typeof payload.client_id === 'string' ? await this.applications.findByClientId(tenant.id, payload.client_id) : null;
    if (!client || !client.isEnabled) return false;
    const userId = payload.sub_id ?? payload.client_system_user_id;
    if (userId === undefined) return true;
    if (typeof userId !== 'string' || !UUID.test(userId)) return false;
    const user = await this.users.findById(tenant.id, userId);
    return !!user && user.active;
  }
}
