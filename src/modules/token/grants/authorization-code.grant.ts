import { Injectable } from '@nestjs/common';
import { isValidCodeVerifier, parseScope, stringParam, verifyS256 } from '@app/oauth-core';
import { Clock } from '../../../common/crypto/clock';
import { InvalidGrant, InvalidRequest, OAuthError } from '../../../common/oauth/errors';
import { Transactions } from '../../../database/transactions';
import { AuthorizationCodesRepository, type AuthorizationCode } from '../../tokens/authorization-codes.repository';
import { RefreshTokensRepository } from '../../tokens/refresh-tokens.repository';
import { RevokedAccessTokensRepository } from '../../tokens/revoked-access-tokens.repository';
import { signInRefusal } from '../../users/sign-in-policy';
import { UsersService } from '../../users/users.service';
import type { Grant, TokenRequestContext, TokenResponse } from '../token.types';
import { UserGrantIssuer } from './user-grant-issuer';

/** RFC 6749 §4.1.3 with PKCE (RFC 7636): a code is single-use and bound to its client, redirect_uri and challenge. */
@Injectable()
export class AuthorizationCodeGrant implements Grant {
  readonly grantType = 'authorization_code';
  readonly parameters = new Set(['code', 'redirect_uri', 'code_verifier']);
  readonly allowsPublicClients = true;

  constructor(
    private readonly codes: AuthorizationCodesRepository,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly revokedAccessTokens: RevokedAccessTokensRepository,
    private readonly users: UsersService,
    private readonly issuer: UserGrantIssuer,
    private readonly clock: Clock,
    private readonly transactions: Transactions,
  ) {}

  /**
   * One transaction: the code is consumed together with the refresh token and the record of the
   * access token issued from it, or not at all (the client may retry after a database failure).
   * A refusal commits what led to it: a replayed code stays consumed and its tokens revoked.
   */
  handle(context: TokenRequestContext): Promise<TokenResponse> {
    return this.transactions.run(() => this.redeem(context), { commitOn: (e) => e instanceof OAuthError });
  }

  private async redeem({ tenant, client, params }: TokenRequestContext): Promise<TokenResponse> {
    const code = stringParam(params, 'code');
    const redirectUri = stringParam(params, 'redirect_uri');
    const verifier = stringParam(params, 'code_verifier');
    const missing = [!code && 'code', !redirectUri && 'redirect_uri'].filter(Boolean);
    if (missing.length) throw new InvalidRequest(`missing required parameter(s) ${missing.join(', ')}`);

    // Checked against its client before anything else, so that another client can neither burn
    // the code nor, by replaying it, revoke what its real client was issued.
    const row = await this.codes.find(tenant.id, code!);
    if (!row || row.applicationUri !== client.applicationUri) throw new InvalidGrant('invalid authorization code');
    if (row.consumedAt) return this.replayed(tenant.id, row);
    if (this.clock.now() >= new Date(row.expiresAt)) throw new InvalidGrant('authorization code expired');
    if (row.redirectUri !== redirectUri) throw new InvalidGrant('redirect_uri does not match the authorization request');
    this.checkPkce(row, verifier);
    // Two redemptions racing past the checks above: the atomic UPDATE lets exactly one win.
    const consumed = await this.codes.consume(tenant.id, code!);
    if (!consumed || consumed.replayed) return this.replayed(tenant.id, consumed?.row ?? row);

    const user = await this.users.findById(tenant.id, row.userId);
    if (!user || signInRefusal(client, user)) throw new InvalidGrant('the user can no longer sign in to this application');

    const grant = { grantId: row.grantId, scopes: parseScope(row.scope), sid: row.sessionSid, authTime: new Date(row.authTime), amr: row.amr, idp: row.idp, tid: row.tid, claims: row.claims };
    return this.issuer.issue(tenant, client, user, grant, {
      nonce: row.nonce,
      onAccessToken: (access) => this.codes.recordIssuedToken(tenant.id, code!, access.jti),
    });
  }

  private checkPkce(row: AuthorizationCode, verifier: string | undefined): void {
    if (!row.codeChallenge) {
      if (verifier) throw new InvalidGrant('code_verifier sent, but the authorization request had no code_challenge');
      return;
    }
    if (!verifier) throw new InvalidGrant('code_verifier is required');
    if (!isValidCodeVerifier(verifier)) throw new InvalidGrant('code_verifier must be 43-128 characters of [A-Za-z0-9-._~]');
    if (!verifyS256(verifier, row.codeChallenge)) throw new InvalidGrant('code_verifier does not match the code_challenge');
  }

  /** RFC 6749 §10.5: a code used twice revokes what was issued from it. */
  private async replayed(instanceId: string, row: AuthorizationCode): Promise<never> {
    await this.refreshTokens.revokeFamily(instanceId, row.grantId);
    if (row.issuedJti) await this.revokedAccessTokens.revoke(instanceId, row.issuedJti, new Date(this.clock.now().getTime() + 24 * 3600 * 1000));
    throw new InvalidGrant('authorization code already used');
  }
}
