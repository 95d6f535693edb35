import { Injectable } from '@nestjs/common';
import { isValidCodeVerifier, parseScope, s256, stringParam, verifyS256 } from '@app/oauth-core';
import { Clock } from '../../../common/crypto/clock';
import type { Tenant } from '../../../common/tenant/tenant';
import { InvalidGrant, InvalidRequest, OAuthError } from '../../../common/oauth/errors';
import { Transactions } from '../../../database/transactions';
import { AuthorizationCodesRepository, type AuthorizationCode } from '../../tokens/authorization-codes.repository';
import { RefreshTokensRepository } from '../../tokens/refresh-tokens.repository';
import { REVOCATION_KEPT_MS, RevokedAccessTokensRepository } from '../../tokens/revoked-access-tokens.repository';
import { newAccessTokenId } from '../../tokens/user-tokens.service';
import type { TrustedApplicationEntity } from '../../trusted-applications/trusted-application.entity';
import { signInRefusal } from '../../users/sign-in-policy';
import { UsersService } from '../../users/users.service';
import type { Grant, TokenRequestContext, TokenResponse } from '../token.types';
import { UserGrantIssuer, type NewRefreshToken } from './user-grant-issuer';

/** How often a redemption is tried when it missed although the code looked redeemable (see redeem). */
const ATTEMPTS = 2;

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
   * A successful exchange is one database statement (AuthorizationCodesRepository.redeem): it
   * consumes the code only if every check passes, records the jti of the access token about to be
   * signed, and stores the refresh token, all or nothing. Only when it consumes nothing does a
   * second query find out why, and answer as the checks in this order would: another client's or
   * an unknown code, a replay, expiry, the redirect_uri, PKCE. None of these consumes the code;
   * another client can neither burn it nor, by replaying it, revoke what its real client was issued.
   *
   * Once the code is consumed, a refusal keeps it consumed (the user can no longer sign in); any
   * other failure (the tokens cannot be signed, the database fails) undoes the redemption, as a
   * rolled-back transaction would, so that the client may retry.
   */
  async handle({ tenant, client, params }: TokenRequestContext): Promise<TokenResponse> {
    const code = stringParam(params, 'code');
    const redirectUri = stringParam(params, 'redirect_uri');
    const verifier = stringParam(params, 'code_verifier');
    const missing = [!code && 'code', !redirectUri && 'redirect_uri'].filter(Boolean);
    if (missing.length) throw new InvalidRequest(`missing required parameter(s) ${missing.join(', ')}`);

    const now = this.clock.now();
    const jti = newAccessTokenId();
    const refreshToken = this.issuer.newRefreshToken(tenant, client);
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      // A malformed verifier matches no challenge: the checks below say which error it is.
      const redeemed =
        verifier && !isValidCodeVerifier(verifier)
          ? null
          : await this.codes.redeem(tenant.id, code!, { applicationUri: client.applicationUri, redirectUri: redirectUri!, codeChallenge: verifier ? s256(verifier) : null, now, jti, refreshToken });
      if (redeemed) return this.issue(tenant, client, code!, redeemed.row, jti, redeemed.refreshTokenStored ? refreshToken : undefined);
      // Throws, unless the code looks redeemable now: consumed, then given back by a failed redemption.
      await this.refusal(tenant.id, client, code!, redirectUri!, verifier, now);
    }
    throw new InvalidGrant('invalid authorization code');
  }

  private async issue(tenant: Tenant, client: TrustedApplicationEntity, code: string, row: AuthorizationCode, jti: string, refreshToken: NewRefreshToken | undefined): Promise<TokenResponse> {
    try {
      const user = await this.users.findById(tenant.id, row.userId);
      if (!user || signInRefusal(client, user)) {
        // The code stays used, with no token issued from it.
        await this.codes.withdrawIssued(tenant.id, code, jti, refreshToken?.token);
        throw new InvalidGrant('the user can no longer sign in to this application');
      }
      const grant = { grantId: row.grantId, scopes: parseScope(row.scope), sid: row.sessionSid, authTime: new Date(row.authTime), amr: row.amr, idp: row.idp, tid: row.tid, claims: row.claims };
      return await this.issuer.issue(tenant, client, user, grant, { nonce: row.nonce, jti, refreshToken: refreshToken?.token });
    } catch (error) {
      if (!(error instanceof OAuthError)) await this.codes.undoRedeem(tenant.id, code, jti, refreshToken?.token).catch(() => undefined);
      throw error;
    }
  }

  /** Why the code could not be redeemed, checked against its client before anything else. */
  private async refusal(instanceId: string, client: TrustedApplicationEntity, code: string, redirectUri: string, verifier: string | undefined, now: Date): Promise<void> {
    const row = await this.codes.find(instanceId, code);
    if (!row || row.applicationUri !== client.applicationUri) throw new InvalidGrant('invalid authorization code');
    if (row.consumedAt) return this.replayed(instanceId, row);
    if (now >= new Date(row.expiresAt)) throw new InvalidGrant('authorization code expired');
    if (row.redirectUri !== redirectUri) throw new InvalidGrant('redirect_uri does not match the authorization request');
    this.checkPkce(row, verifier);
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

  /**
   * RFC 6749 §10.5: a code used twice revokes what was issued from it, all or nothing: the refresh
   * family, the access token sent with the code (hybrid `code token`), the first access token of
   * the token endpoint, and every access token issued since by refreshing.
   */
  private async replayed(instanceId: string, row: AuthorizationCode): Promise<never> {
    const until = new Date(this.clock.now().getTime() + REVOCATION_KEPT_MS);
    await this.transactions.run(async () => {
      await this.refreshTokens.revokeFamily(instanceId, row.grantId);
      for (const jti of [row.frontChannelJti, row.issuedJti]) if (jti) await this.revokedAccessTokens.revoke(instanceId, jti, until);
      await this.revokedAccessTokens.revokeGrant(instanceId, row.grantId, until);
    });
    throw new InvalidGrant('authorization code already used');
  }
}
