import { Injectable } from '@nestjs/common';
import { formatScope } from '@app/oauth-core';
import { Clock } from '../../../common/crypto/clock';
import { randomToken } from '../../../common/crypto/random';
import type { Tenant } from '../../../common/tenant/tenant';
import { RefreshTokensRepository } from '../../tokens/refresh-tokens.repository';
import { UserTokensService, type IssuedAccessToken, type UserGrant } from '../../tokens/user-tokens.service';
import type { TrustedApplicationEntity } from '../../trusted-applications/trusted-application.entity';
import type { UserEntity } from '../../users/user.entity';
import type { TokenResponse } from '../token.types';

/** The token response for a user grant, shared by the code and refresh grants. */
@Injectable()
export class UserGrantIssuer {
  constructor(
    private readonly tokens: UserTokensService,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly clock: Clock,
  ) {}

  async issue(
    tenant: Tenant,
    client: TrustedApplicationEntity,
    user: UserEntity,
    grant: UserGrant & { grantId: string },
    options: {
      nonce?: string | null;
      onAccessToken?: (access: IssuedAccessToken) => Promise<void>;
      /** The scopes the refresh token carries, when the access token's were narrowed (refresh with scope). */
      refreshScopes?: string[];
    },
  ): Promise<TokenResponse> {
    const access = await this.tokens.accessToken(tenant, client, user, grant);
    await options.onAccessToken?.(access);
    const response: TokenResponse = { access_token: access.token, token_type: 'Bearer', expires_in: access.expiresIn, scope: formatScope(grant.scopes) };
    if (grant.scopes.includes('openid')) {
      response.id_token = await this.tokens.idToken(tenant, client, user, grant, { nonce: options.nonce, accessToken: access.token });
    }
    // Refresh tokens only for Confidential applications that were granted offline_access.
    const refreshScopes = options.refreshScopes ?? grant.scopes;
    if (refreshScopes.includes('offline_access') && client.clientType === 'Confidential') {
      const refreshToken = randomToken(32);
      await this.refreshTokens.create(tenant.id, refreshToken, {
        grantId: grant.grantId,
        applicationUri: client.applicationUri,
        userId: user.id,
        sessionSid: grant.sid,
        scope: formatScope(refreshScopes),
        claims: grant.claims ?? null,
        authTime: grant.authTime,
        amr: grant.amr,
        idp: grant.idp,
        tid: grant.tid ?? null,
        expiresAt: new Date(this.clock.now().getTime() + tenant.settings.RefreshTokenLifetime * 1000),
      });
      response.refresh_token = refreshToken;
    }
    return response;
  }
}
