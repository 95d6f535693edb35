import { Injectable } from '@nestjs/common';
import { formatScope, parseScope } from '@app/oauth-core';
import { Clock } from '../../../common/crypto/clock';
import { randomToken } from '../../../common/crypto/random';
import type { Tenant } from '../../../common/tenant/tenant';
import { IDENTITY_SCOPES } from '../../tokens/user-claims';
import { UserTokensService, type UserGrant } from '../../tokens/user-tokens.service';
import type { TrustedApplicationEntity } from '../../trusted-applications/trusted-application.entity';
import type { UserEntity } from '../../users/user.entity';
import type { TokenResponse } from '../token.types';

/** A refresh token not yet stored: the grant stores it in the same statement that consumes what it replaces. */
export interface NewRefreshToken {
  token: string;
  expiresAt: Date;
}

/**
 * The token response for a user grant, shared by the code and refresh grants.
 *
 * Refresh tokens go only to Confidential applications that were granted offline_access. The
 * grants store them themselves, together with consuming the code or the old refresh token, so
 * that the whole redemption is one database statement; the part of the rule that depends on the
 * stored scope is checked in that statement.
 */
@Injectable()
export class UserGrantIssuer {
  constructor(
    private readonly tokens: UserTokensService,
    private readonly clock: Clock,
  ) {}

  /** A new refresh token for this client, if it may have one at all (Confidential), to be stored when the grant holds offline_access. */
  newRefreshToken(tenant: Tenant, client: TrustedApplicationEntity): NewRefreshToken | undefined {
    if (client.clientType !== 'Confidential') return undefined;
    return { token: randomToken(32), expiresAt: new Date(this.clock.now().getTime() + tenant.settings.RefreshTokenLifetime * 1000) };
  }

  async issue(
    tenant: Tenant,
    client: TrustedApplicationEntity,
    user: UserEntity,
    grant: UserGrant & { grantId: string },
    options: {
      nonce?: string | null;
      /** The access token's jti, already recorded by the grant. */
      jti?: string;
      /** The refresh token the grant stored, if any. */
      refreshToken?: string;
    },
  ): Promise<TokenResponse> {
    grant = { ...grant, scopes: stillAllowed(client, grant.scopes) };
    const access = await this.tokens.accessToken(tenant, client, user, grant, { jti: options.jti });
    const response: TokenResponse = { access_token: access.token, token_type: 'Bearer', expires_in: access.expiresIn, scope: formatScope(grant.scopes) };
    if (grant.scopes.includes('openid')) {
      response.id_token = await this.tokens.idToken(tenant, client, user, grant, { nonce: options.nonce, accessToken: access.token });
    }
    if (options.refreshToken) response.refresh_token = options.refreshToken;
    return response;
  }
}

/**
 * A grant's scopes that its application is still allowed: an application whose Scope lost one
 * since the code or refresh token was issued gets tokens without it (the response's `scope` says so,
 * RFC 6749 §5.1), as a new authorization request would.
 */
function stillAllowed(client: TrustedApplicationEntity, scopes: string[]): string[] {
  const allowed = new Set([...IDENTITY_SCOPES, ...parseScope(client.scope)]);
  return scopes.every((s) => allowed.has(s)) ? scopes : scopes.filter((s) => allowed.has(s));
}
