import { randomInt } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { formatScope, parseScope, stringParam, type RawParams } from '@app/oauth-core';
import { Clock } from '../../common/crypto/clock';
import { randomToken } from '../../common/crypto/random';
import { refuseRepeatedParameters, ServerError, UnauthorizedClient } from '../../common/oauth/errors';
import type { Tenant } from '../../common/tenant/tenant';
import { grantedScopes } from '../authorize/checks/check-scope';
import type { SessionEntity } from '../session/session.entity';
import { SessionsService } from '../session/sessions.service';
import { ClientAuthenticator } from '../token/client-auth';
import { DeviceAuthorizationsRepository } from '../tokens/device-authorizations.repository';
import type { TrustedApplicationEntity } from '../trusted-applications/trusted-application.entity';
import { TrustedApplicationsService } from '../trusted-applications/trusted-applications.service';
import type { UserEntity } from '../users/user.entity';
import { signInRefusal } from '../users/sign-in-policy';

/** Seconds a device has for its person to answer (RFC 8628 §3.2 expires_in). */
export const DEVICE_CODE_LIFETIME_SECONDS = 600;
/** Seconds the device waits between polls, at first (§3.2 interval). */
export const DEVICE_POLL_INTERVAL_SECONDS = 5;
/**
 * RFC 8628 §6.1: 20 consonants, so that a code spells no word and has no 0/O or 1/I to mistake;
 * 8 of them are 20^8 ≈ 2.6 × 10^10 codes, against guesses rate-limited per address.
 */
const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
const USER_CODE_LENGTH = 8;

export interface DeviceAuthorizationResponse {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

/** A device request waiting for the signed-in person's answer, as the page shows it. */
export interface PendingDeviceRequest {
  userCode: string;
  application: TrustedApplicationEntity;
  scopes: string[];
}

export type DeviceAnswer = 'approved' | 'denied' | 'not-allowed' | 'unknown';

/** `BCDF-GHJK`, as people read and type it. */
export const formatUserCode = (code: string) => `${code.slice(0, 4)}-${code.slice(4)}`;

/** What a person typed, as stored: upper case, without dashes and spaces; undefined when it cannot be a code. */
export function normalizeUserCode(input: string | undefined): string | undefined {
  const code = input?.toUpperCase().replace(/[\s-]/g, '');
  return code && code.length === USER_CODE_LENGTH && [...code].every((c) => USER_CODE_ALPHABET.includes(c)) ? code : undefined;
}

/**
 * The device authorization grant (RFC 8628) apart from its token endpoint grant: the device
 * authorization endpoint, and the person's answer on the verification page.
 */
@Injectable()
export class DeviceAuthorizationService {
  constructor(
    private readonly clients: ClientAuthenticator,
    private readonly devices: DeviceAuthorizationsRepository,
    private readonly applications: TrustedApplicationsService,
    private readonly sessions: SessionsService,
    private readonly clock: Clock,
  ) {}

  /** §3.1–3.2: an authenticated application that may use the grant asks; it gets the codes to show and poll with. */
  async start(tenant: Tenant, body: RawParams, authorization: string | undefined): Promise<DeviceAuthorizationResponse> {
    refuseRepeatedParameters(body);
    const { client } = await this.clients.authenticate(tenant, body, authorization, { allowPublic: true });
    if (!client.deviceFlowAllowed) throw new UnauthorizedClient('this application may not use the device authorization grant');
    if (!client.impersonateAsInternalUserAllowed && !client.impersonateAsCommunityUserAllowed) {
      throw new UnauthorizedClient('the application allows no type of user to sign in');
    }
    const scope = formatScope(grantedScopes(client, stringParam(body, 'scope'), true));
    const deviceCode = randomToken(32);
    const expiresAt = new Date(this.clock.now().getTime() + DEVICE_CODE_LIFETIME_SECONDS * 1000);
    for (let attempt = 0; attempt < 5; attempt++) {
      const userCode = newUserCode();
      if (await this.devices.create(tenant.id, deviceCode, { userCode, applicationUri: client.applicationUri, scope, intervalSeconds: DEVICE_POLL_INTERVAL_SECONDS, expiresAt })) {
        const verificationUri = `${tenant.issuer}/account/device`;
        return {
          device_code: deviceCode,
          user_code: formatUserCode(userCode),
          verification_uri: verificationUri,
          verification_uri_complete: `${verificationUri}?user_code=${formatUserCode(userCode)}`,
          expires_in: DEVICE_CODE_LIFETIME_SECONDS,
          interval: DEVICE_POLL_INTERVAL_SECONDS,
        };
      }
    }
    // Five codes in a row already waiting in this instance: not chance, a full table.
    throw new ServerError('no free user code');
  }

  /** The request behind a typed code, if it waits for an answer and its application may still use the grant. */
  async pending(tenant: Tenant, typed: string | undefined): Promise<PendingDeviceRequest | null> {
    const userCode = normalizeUserCode(typed);
    if (!userCode) return null;
    const row = await this.devices.pendingByUserCode(tenant.id, userCode, this.clock.now());
    if (!row) return null;
    const application = await this.applications.findByClientId(tenant.id, row.applicationUri);
    if (!application || !application.isEnabled || !application.deviceFlowAllowed) return null;
    return { userCode: formatUserCode(userCode), application, scopes: parseScope(row.scope) };
  }

  /**
   * The signed-in person's answer. Approving hands the device this session's sign-in (its sid,
   * so that signing out here reaches the device's application too); a person the application
   * does not admit cannot approve.
   */
  async answer(tenant: Tenant, session: SessionEntity, user: UserEntity, typed: string | undefined, approve: boolean): Promise<{ answer: DeviceAnswer; request?: PendingDeviceRequest }> {
    const request = await this.pending(tenant, typed);
    if (!request) return { answer: 'unknown' };
    const userCode = normalizeUserCode(typed)!;
    const now = this.clock.now();
    if (!approve) return { answer: (await this.devices.answer(tenant.id, userCode, now, 'denied')) ? 'denied' : 'unknown', request };
    if (signInRefusal(request.application, user)) return { answer: 'not-allowed', request };
    const approval = { userId: user.id, sessionSid: session.sid, authTime: session.authTime, amr: session.amr, idp: session.idp, tid: session.tid ?? null };
    if (!(await this.devices.answer(tenant.id, userCode, now, approval))) return { answer: 'unknown', request };
    await this.sessions.addParticipant(session, request.application.applicationUri);
    return { answer: 'approved', request };
  }
}

function newUserCode(): string {
  let code = '';
  for (let i = 0; i < USER_CODE_LENGTH; i++) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  return code;
}
