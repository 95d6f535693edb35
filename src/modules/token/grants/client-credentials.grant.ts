import { Injectable } from '@nestjs/common';
import { formatScope, parseScope, scopesOutside, stringParam } from '@app/oauth-core';
import { InvalidScope, UnauthorizedClient } from '../../../common/oauth/errors';
import { Clock } from '../../../common/crypto/clock';
import { TokenSigner } from '../../keys/token-signer.service';
import { accessTokenAudience, registeredClaims } from '../../tokens/access-token';
import { UsersService } from '../../users/users.service';
import type { Grant, TokenRequestContext, TokenResponse } from '../token.types';

/** RFC 6749 §4.4: the application acts as itself, through its SystemUser. Never a refresh token. */
@Injectable()
export class ClientCredentialsGrant implements Grant {
  readonly grantType = 'client_credentials';
  readonly parameters = new Set(['scope']);
  readonly allowsPublicClients = false;

  constructor(
    private readonly users: UsersService,
    private readonly signer: TokenSigner,
    private readonly clock: Clock,
  ) {}

  async handle({ tenant, client, params }: TokenRequestContext): Promise<TokenResponse> {
    if (!client.systemUserAllowed || !client.systemUser) {
      throw new UnauthorizedClient('the application is not allowed to act as its system user (SystemUser, SystemUserAllowed)');
    }
    const allowed = parseScope(client.scope);
    const requested = parseScope(stringParam(params, 'scope'));
    const outside = scopesOutside(requested, allowed);
    if (outside.length) throw new InvalidScope(`scope not allowed for this application: ${outside.join(' ')}`);
    const scope = requested.length ? requested : allowed;

    const systemUser = await this.users.findByLogin(tenant.id, client.systemUser);
    if (!systemUser || !systemUser.active) throw new UnauthorizedClient('the application\'s system user does not exist or is inactive');

    const lifetime = tenant.settings.AccessTokenLifetime;
    const now = this.clock.epochSeconds();
    const accessToken = await this.signer.sign(
      tenant,
      Object.assign(registeredClaims(tenant, now, lifetime, accessTokenAudience(tenant)), {
        client_id: client.applicationUri,
        scope,
        client_db: tenant.database,
        client_system_user: systemUser.login,
        client_system_user_type: systemUser.userType,
        client_system_user_id: systemUser.id,
      }),
      'at+jwt',
    );
    return { access_token: accessToken, token_type: 'Bearer', expires_in: lifetime, scope: formatScope(scope) };
  }
}
