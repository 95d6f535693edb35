import { Injectable } from '@nestjs/common';
import { parseScope, stringParam } from '@app/oauth-core';
import { Clock } from '../../../common/crypto/clock';
import { AccessDenied, AuthorizationPending, ExpiredToken, InvalidGrant, InvalidRequest, SlowDown, UnauthorizedClient } from '../../../common/oauth/errors';
import { DeviceAuthorizationsRepository } from '../../tokens/device-authorizations.repository';
import { RefreshTokensRepository } from '../../tokens/refresh-tokens.repository';
import { newAccessTokenId } from '../../tokens/user-tokens.service';
import { signInRefusal } from '../../users/sign-in-policy';
import { UsersService } from '../../users/users.service';
import type { Grant, TokenRequestContext, TokenResponse } from '../token.types';
import { UserGrantIssuer } from './user-grant-issuer';

export const DEVICE_CODE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';

/**
 * RFC 8628 §3.4: the device polls with its device_code until the person has answered in a browser.
 * Approved, the code is redeemed once (one statement, with the refresh token when offline_access was
 * granted); until then the answer says why not: authorization_pending, slow_down (polled sooner than
 * the interval, which grows by 5 s), access_denied, expired_token.
 */
@Injectable()
export class DeviceCodeGrant implements Grant {
  readonly grantType = DEVICE_CODE_GRANT_TYPE;
  readonly parameters = new Set(['device_code']);
  readonly allowsPublicClients = true;

  constructor(
    private readonly devices: DeviceAuthorizationsRepository,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly users: UsersService,
    private readonly issuer: UserGrantIssuer,
    private readonly clock: Clock,
  ) {}

  async handle({ tenant, client, params }: TokenRequestContext): Promise<TokenResponse> {
    const deviceCode = stringParam(params, 'device_code');
    if (!deviceCode) throw new InvalidRequest('missing required parameter(s) device_code');
    if (!client.deviceFlowAllowed) throw new UnauthorizedClient('this application may not use the device authorization grant');

    const now = this.clock.now();
    const jti = newAccessTokenId();
    const refreshToken = this.issuer.newRefreshToken(tenant, client);
    const redeemed = await this.devices.redeem(tenant.id, deviceCode, { applicationUri: client.applicationUri, now, jti, refreshToken });
    if (!redeemed) return this.refusal(tenant.id, client.applicationUri, deviceCode, now);

    const { row, grantId, refreshTokenStored } = redeemed;
    const user = await this.users.findById(tenant.id, row.userId!);
    if (!user || signInRefusal(client, user)) {
      if (refreshTokenStored) await this.refreshTokens.revokeFamily(tenant.id, grantId);
      throw new InvalidGrant('the user can no longer sign in to this application');
    }
    const grant = { grantId, scopes: parseScope(row.scope), sid: row.sessionSid!, authTime: new Date(row.authTime!), amr: row.amr ?? ['pwd'], idp: row.idp ?? 'local', tid: row.tid, claims: null };
    return this.issuer.issue(tenant, client, user, grant, { jti, refreshToken: refreshTokenStored ? refreshToken!.token : undefined });
  }

  /** Why nothing was redeemed: another application's or an unknown code first, so that it learns nothing more. */
  private async refusal(instanceId: string, applicationUri: string, deviceCode: string, now: Date): Promise<never> {
    const row = await this.devices.find(instanceId, deviceCode);
    if (!row || row.applicationUri !== applicationUri) throw new InvalidGrant('invalid device_code');
    if (row.status === 'consumed') throw new InvalidGrant('device_code already used');
    if (now >= new Date(row.expiresAt)) throw new ExpiredToken('the device code has expired: start again');
    if (row.status === 'denied') throw new AccessDenied('the user denied the request');
    if (row.status === 'pending') {
      const before = await this.devices.poll(instanceId, deviceCode, applicationUri, now);
      if (before?.lastPolledAt && now.getTime() - new Date(before.lastPolledAt).getTime() < before.intervalSeconds * 1000) {
        throw new SlowDown(`poll at most every ${before.intervalSeconds + 5} seconds`);
      }
      throw new AuthorizationPending('the user has not answered yet');
    }
    // Approved, and redeemed a moment ago by a concurrent poll.
    throw new InvalidGrant('device_code already used');
  }
}
