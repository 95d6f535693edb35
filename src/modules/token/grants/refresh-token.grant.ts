import { Injectable } from '@nestjs/common';
import { parseScope, scopesOutside, stringParam } from '@app/oauth-core';
import { Clock } from '../../../common/crypto/clock';
import type { Tenant } from '../../../common/tenant/tenant';
import { InvalidGrant, InvalidRequest, InvalidScope, OAuthError } from '../../../common/oauth/errors';
import { Transactions } from '../../../database/transactions';
import { RefreshTokensRepository, type RefreshToken } from '../../tokens/refresh-tokens.repository';
import { REVOCATION_KEPT_MS, RevokedAccessTokensRepository } from '../../tokens/revoked-access-tokens.repository';
import { newAccessTokenId } from '../../tokens/user-tokens.service';
import type { TrustedApplicationEntity } from '../../trusted-applications/trusted-application.entity';
import { signInRefusal } from '../../users/sign-in-policy';
import { UsersService } from '../../users/users.service';
import type { Grant, TokenRequestContext, TokenResponse } from '../token.types';
import { UserGrantIssuer, type NewRefreshToken } from './user-grant-issuer';

/** How often a rotation is tried when it missed although the token looked usable (see handle). */
const ATTEMPTS = 2;

/** RFC 6749 §6 with rotation: every use returns a new refresh token; a reused one revokes its whole family and the access tokens issued with it. */
@Injectable()
export class RefreshTokenGrant implements Grant {
  readonly grantType = 'refresh_token';
  readonly parameters = new Set(['refresh_token', 'scope']);
  readonly allowsPublicClients = false;

  constructor(
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly revokedAccessTokens: RevokedAccessTokensRepository,
    private readonly users: UsersService,
    private readonly issuer: UserGrantIssuer,
    private readonly clock: Clock,
    private readonly transactions: Transactions,
  ) {}

  /**
   * A successful rotation is one database statement (RefreshTokensRepository.rotate): the old
   * token, if it is this client's and unused, is consumed together with storing its successor, or
   * not at all. Only when it consumes nothing does a second query find out why: another client's
   * or an unknown token (nothing changes, so another client cannot burn it), or a reused or
   * revoked one (its whole family is revoked).
   *
   * A refusal after consumption keeps the old token used, with no successor, when the token can
   * never be used again (expired; the user can no longer sign in, which revokes the family). A
   * scope outside the grant is the request's fault, not the token's: like any other failure (the
   * tokens cannot be signed, the database fails) it undoes the rotation, as a rolled-back
   * transaction would, so that a refused request costs the client neither its token nor, on the
   * retry, its grant (RFC 6749 §6 replaces a refresh token only when it issues a new one).
   */
  async handle({ tenant, client, params }: TokenRequestContext): Promise<TokenResponse> {
    const token = stringParam(params, 'refresh_token');
    if (!token) throw new InvalidRequest('missing required parameter(s) refresh_token');

    const now = this.clock.now();
    const requested = parseScope(stringParam(params, 'scope'));
    const next = this.issuer.newRefreshToken(tenant, client);
    // The access token's jti is chosen now and stored with the successor, so that a replay of the grant can revoke it.
    const jti = newAccessTokenId();
    const successor = next && { ...next, jti };
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      // The successor is stored only if the token is unexpired and the requested scopes are within its grant.
      const rotated = await this.refreshTokens.rotate(tenant.id, token, { applicationUri: client.applicationUri, now, requestedScopes: requested, successor });
      if (rotated) return this.issue(tenant, client, token, rotated.row, requested, now, jti, rotated.successorStored ? successor : undefined);
      // Throws, unless the token looks usable now: used, then given back by a failed rotation.
      await this.refusal(tenant.id, client, token);
    }
    throw new InvalidGrant('invalid refresh token');
  }

  private async issue(
    tenant: Tenant,
    client: TrustedApplicationEntity,
    token: string,
    row: RefreshToken,
    requested: string[],
    now: Date,
    jti: string,
    successor: NewRefreshToken | undefined,
  ): Promise<TokenResponse> {
    try {
      if (now >= new Date(row.expiresAt)) throw new InvalidGrant('refresh token expired');

      const user = await this.users.findById(tenant.id, row.userId);
      if (!user || signInRefusal(client, user)) {
        await this.refreshTokens.revokeFamily(tenant.id, row.grantId, successor?.token);
        throw new InvalidGrant('the user can no longer sign in to this application');
      }

      const original = parseScope(row.scope);
      const outside = scopesOutside(requested, original);
      if (outside.length) throw new InvalidScope(`scope exceeds the original grant: ${outside.join(' ')}`);
      // A narrower scope applies to this access token only; the refresh token keeps the original grant.
      const accessScopes = requested.length ? requested : original;

      const grant = { grantId: row.grantId, scopes: accessScopes, sid: row.sessionSid, authTime: new Date(row.authTime), amr: row.amr, idp: row.idp, tid: row.tid, claims: row.claims };
      return await this.issuer.issue(tenant, client, user, grant, { jti, refreshToken: successor?.token });
    } catch (error) {
      if (!(error instanceof OAuthError) || error instanceof InvalidScope) await this.refreshTokens.undoRotate(tenant.id, token, successor?.token).catch(() => undefined);
      throw error;
    }
  }

  /** Why the token could not be used, checked against its client before anything else. */
  private async refusal(instanceId: string, client: TrustedApplicationEntity, token: string): Promise<void> {
    const row = await this.refreshTokens.find(instanceId, token);
    if (!row || row.applicationUri !== client.applicationUri) throw new InvalidGrant('invalid refresh token');
    if (row.consumedAt || row.revokedAt) {
      // Reuse means the token may be stolen: the family and every access token issued with it go, together.
      const until = new Date(this.clock.now().getTime() + REVOCATION_KEPT_MS);
      await this.transactions.run(async () => {
        await this.refreshTokens.revokeFamily(instanceId, row.grantId);
        await this.revokedAccessTokens.revokeGrant(instanceId, row.grantId, until);
      });
      throw new InvalidGrant(row.revokedAt ? 'refresh token revoked' : 'refresh token already used; every token of this grant is now revoked');
    }
  }
}
