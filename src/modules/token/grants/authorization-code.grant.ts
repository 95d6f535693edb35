import { Injectable } from '@nestjs/common';
import { isValidCodeVerifier, parseScope, stringParam, verifyS256 } from '@app/oauth-core';
import { Clock } from '../../../common/crypto/clock';
import { InvalidGrant, InvalidRequest } from '../../../common/oauth/errors';
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
  ) {}

  async handle({ tenant, client, params }: TokenRequestContext): Promise<TokenResponse> {
    const code = stringParam(params, 'code');
    const redirectUri = stringParam(params, 'redirect_uri');
    const verifier = stringParam(params, 'code_verifier');
    const missing = [!code && 'code', !redirectUri && 'redirect_uri'].filter(Boolean);
    if (missing.length) throw new InvalidRequest(`missing required parameter(s) ${missing.join(', ')}`);

    const found = await this.codes.consume(tenant.id, code!);
    if (!found) throw new InvalidGrant('invalid authorization code');
    const row = found.row;
    if (found.replayed) {
      // RFC 6749 §10.5: a code used twice revokes what was issued from it.
      await this.revokeIssued(tenant.id, row);
      throw new InvalidGrant('authorization code already used');
    }
    if (row.applicationUri !== client.applicationUri) throw new InvalidGrant('authorization code was issued to another client');
    if (this.clock.now() >= new Date(row.expiresAt)) throw new InvalidGrant('authorization code expired');
    if (row.redirectUri !== redirectUri) throw new InvalidGrant('redirect_uri does not match the authorization request');
    this.checkPkce(row, verifier);

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

  private async revokeIssued(instanceId: string, row: AuthorizationCode): Promise<void> {
    await this.refreshTokens.revokeFamily(instanceId, row.grantId);
    if (row.issuedJti) await this.revokedAccessTokens.revoke(instanceId, row.issuedJti, new Date(this.clock.now().getTime() + 24 * 3600 * 1000));
  }
}
