import { Injectable } from '@nestjs/common';
import { parseScope, scopesOutside, stringParam } from '@app/oauth-core';
import { Clock } from '../../../common/crypto/clock';
import { InvalidGrant, InvalidRequest, InvalidScope, OAuthError } from '../../../common/oauth/errors';
import { Transactions } from '../../../database/transactions';
import { RefreshTokensRepository } from '../../tokens/refresh-tokens.repository';
import { signInRefusal } from '../../users/sign-in-policy';
import { UsersService } from '../../users/users.service';
import type { Grant, TokenRequestContext, TokenResponse } from '../token.types';
import { UserGrantIssuer } from './user-grant-issuer';

/** RFC 6749 §6 with rotation: every use returns a new refresh token; a reused one revokes its whole family. */
@Injectable()
export class RefreshTokenGrant implements Grant {
  readonly grantType = 'refresh_token';
  readonly parameters = new Set(['refresh_token', 'scope']);
  readonly allowsPublicClients = false;

  constructor(
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly users: UsersService,
    private readonly issuer: UserGrantIssuer,
    private readonly clock: Clock,
    private readonly transactions: Transactions,
  ) {}

  /**
   * One transaction: the old token is consumed together with storing its successor, or not at
   * all (a database failure in between does not cost the client its grant). A refusal commits
   * what led to it: a reused token's family stays revoked.
   */
  handle(context: TokenRequestContext): Promise<TokenResponse> {
    return this.transactions.run(() => this.rotate(context), { commitOn: (e) => e instanceof OAuthError });
  }

  private async rotate({ tenant, client, params }: TokenRequestContext): Promise<TokenResponse> {
    const token = stringParam(params, 'refresh_token');
    if (!token) throw new InvalidRequest('missing required parameter(s) refresh_token');

    // Bound to its client before it is consumed, so another client cannot burn it.
    const existing = await this.refreshTokens.find(tenant.id, token);
    if (!existing || existing.applicationUri !== client.applicationUri) throw new InvalidGrant('invalid refresh token');
    const found = await this.refreshTokens.consume(tenant.id, token);
    if (!found) throw new InvalidGrant('invalid refresh token');
    const row = found.row;
    if (found.reused) {
      await this.refreshTokens.revokeFamily(tenant.id, row.grantId);
      throw new InvalidGrant(row.revokedAt ? 'refresh token revoked' : 'refresh token already used; every token of this grant is now revoked');
    }
    if (this.clock.now() >= new Date(row.expiresAt)) throw new InvalidGrant('refresh token expired');

    const user = await this.users.findById(tenant.id, row.userId);
    if (!user || signInRefusal(client, user)) {
      await this.refreshTokens.revokeFamily(tenant.id, row.grantId);
      throw new InvalidGrant('the user can no longer sign in to this application');
    }

    const original = parseScope(row.scope);
    const requested = parseScope(stringParam(params, 'scope'));
    const outside = scopesOutside(requested, original);
    if (outside.length) throw new InvalidScope(`scope exceeds the original grant: ${outside.join(' ')}`);
    // A narrower scope applies to this access token only; the refresh token keeps the original grant.
    const accessScopes = requested.length ? requested : original;

    const grant = { grantId: row.grantId, scopes: original, sid: row.sessionSid, authTime: new Date(row.authTime), amr: row.amr, idp: row.idp, tid: row.tid, claims: row.claims };
    return this.issuer.issue(tenant, client, user, { ...grant, scopes: accessScopes }, { refreshScopes: original });
  }
}
