import { Injectable } from '@nestjs/common';
import type { JWTPayload } from 'jose';
import { stringParam, type RawParams } from '@app/oauth-core';
import { Clock } from '../../common/crypto/clock';
import { InvalidRequest, InvalidToken, refuseRepeatedParameters } from '../../common/oauth/errors';
import type { Tenant } from '../../common/tenant/tenant';
import { referenceTokenClaims } from '../reference-tokens/reference-token.claims';
import { isReferenceTokenFormat } from '../reference-tokens/reference-token-secret';
import { ReferenceTokensService } from '../reference-tokens/reference-tokens.service';
import { ClientAuthenticator } from '../token/client-auth';
import { AccessTokenVerifier } from '../tokens/access-token-verifier';
import { RefreshTokensRepository } from '../tokens/refresh-tokens.repository';
import { RevokedAccessTokensRepository } from '../tokens/revoked-access-tokens.repository';
import { subjectOf } from '../tokens/user-claims';
import type { TrustedApplicationEntity } from '../trusted-applications/trusted-application.entity';
import { TrustedApplicationsService } from '../trusted-applications/trusted-applications.service';
import { signInRefusal } from '../users/sign-in-policy';
import { UsersService } from '../users/users.service';
import { activeToken, inactive, type IntrospectionResponse } from './introspection.response';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A refresh token as issued: 32 random bytes, base64url. */
const REFRESH_TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * RFC 7662 for the instance's resource servers: any Trusted Application of the instance that
 * authenticates with its secret may ask. A reference token (PAT/SAT) is looked up by its hash; a
 * JWT access token is fully validated. A refresh token is active only to the application it was
 * issued to (RFC 7662 §2.1 names refresh tokens; to another application it is no token, as for
 * revocation). Anything else, or anything that does not work right now, is `{"active":false}`
 * and nothing more.
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
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly clock: Clock,
  ) {}

  async introspect(tenant: Tenant, params: RawParams, authorization: string | undefined): Promise<IntrospectionResponse> {
    refuseRepeatedParameters(params);
    const { client } = await this.clients.authenticate(tenant, params, authorization, { allowPublic: false });
    const token = stringParam(params, 'token');
    if (!token) throw new InvalidRequest('missing required parameter(s) token');
    // token_type_hint is not needed: the three kinds cannot be mistaken for one another.
    if (isReferenceTokenFormat(token)) return this.referenceToken(tenant, token);
    if (REFRESH_TOKEN.test(token)) return this.refreshToken(tenant, client, token);
    return this.accessToken(tenant, token);
  }

  private async refreshToken(tenant: Tenant, client: TrustedApplicationEntity, token: string): Promise<IntrospectionResponse> {
    const row = await this.refreshTokens.find(tenant.id, token);
    if (!row || row.applicationUri !== client.applicationUri || row.consumedAt || row.revokedAt || new Date(row.expiresAt) <= this.clock.now()) return inactive();
    const user = await this.users.findById(tenant.id, row.userId);
    if (!user || signInRefusal(client, user)) return inactive();
    const seconds = (at: Date | string) => Math.floor(new Date(at).getTime() / 1000);
    return {
      active: true,
      token_type: 'refresh_token',
      scope: row.scope,
      client_id: client.applicationUri,
      iss: tenant.issuer,
      sub: subjectOf(tenant, user),
      sub_id: user.id,
      sid: row.sessionSid,
      auth_time: seconds(row.authTime),
      exp: seconds(row.expiresAt),
    };
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
   * tokens issued from it), its application must still be enabled (and the one it was issued to,
   * not a later one of the same ApplicationUri), its user still active.
   */
  private async stillValid(tenant: Tenant, payload: JWTPayload): Promise<boolean> {
    if (typeof payload.jti !== 'string' || (await this.revokedAccessTokens.isRevoked(tenant.id, payload.jti))) return false;
    if (!(await this.applications.stillHoldsToken(tenant.id, payload))) return false;
    const userId = payload.sub_id ?? payload.client_system_user_id;
    if (userId === undefined) return true;
    if (typeof userId !== 'string' || !UUID.test(userId)) return false;
    const user = await this.users.findById(tenant.id, userId);
    return !!user && user.active;
  }
}
