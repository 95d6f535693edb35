import { randomUUID } from 'node:crypto';
import { sha256 } from '@app/oauth-core';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

const sha256Hex = (v: string) => sha256(v, 'hex');

export type DeviceAuthorizationStatus = 'pending' | 'approved' | 'denied' | 'consumed';

export interface DeviceAuthorization {
  userCode: string;
  applicationUri: string;
  scope: string;
  intervalSeconds: number;
  expiresAt: Date;
  lastPolledAt: Date | null;
  status: DeviceAuthorizationStatus;
  userId: string | null;
  sessionSid: string | null;
  authTime: Date | null;
  amr: string[] | null;
  idp: string | null;
  tid: string | null;
}

/** What the person's session gives the device once they approve. */
export interface DeviceApproval {
  userId: string;
  sessionSid: string;
  authTime: Date;
  amr: string[];
  idp: string;
  tid: string | null;
}

const COLUMNS = `user_code AS "userCode", application_uri AS "applicationUri", scope, interval_seconds AS "intervalSeconds", expires_at AS "expiresAt",
  last_polled_at AS "lastPolledAt", status, user_id AS "userId", session_sid AS "sessionSid", auth_time AS "authTime", amr, idp, tid`;

/**
 * Device authorizations (RFC 8628), the device_code stored by hash only. Every change of state is
 * one conditional statement, so that a code is approved or denied once and redeemed once, whichever
 * node the browser and the device reach.
 */
@Injectable()
export class DeviceAuthorizationsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** False when the user code is taken in this instance (the caller draws another). */
  async create(instanceId: string, deviceCode: string, row: Pick<DeviceAuthorization, 'userCode' | 'applicationUri' | 'scope' | 'intervalSeconds' | 'expiresAt'>): Promise<boolean> {
    const inserted = await this.db.query(
      `INSERT INTO device_authorizations (device_code_hash, instance_id, user_code, application_uri, scope, interval_seconds, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (instance_id, user_code) DO NOTHING RETURNING 1`,
      [sha256Hex(deviceCode), instanceId, row.userCode, row.applicationUri, row.scope, row.intervalSeconds, row.expiresAt],
    );
    return inserted.length === 1;
  }

  /** The request waiting for a person's answer under this user code, if unexpired at `now`. */
  async pendingByUserCode(instanceId: string, userCode: string, now: Date): Promise<DeviceAuthorization | null> {
    const [row] = await this.db.query(`SELECT ${COLUMNS} FROM device_authorizations WHERE instance_id = $1 AND user_code = $2 AND status = 'pending' AND expires_at > $3`, [
      instanceId,
      userCode,
      now,
    ]);
    return row ?? null;
  }

  /** The person's answer: approved with their session's facts, or denied. False when the code no longer waits for one. */
  async answer(instanceId: string, userCode: string, now: Date, approval: DeviceApproval | 'denied'): Promise<boolean> {
    const [, affected] =
      approval === 'denied'
        ? await this.db.query(`UPDATE device_authorizations SET status = 'denied' WHERE instance_id = $1 AND user_code = $2 AND status = 'pending' AND expires_at > $3`, [instanceId, userCode, now])
        : await this.db.query(
            `UPDATE device_authorizations SET status = 'approved', user_id = $4, session_sid = $5, auth_time = $6, amr = $7, idp = $8, tid = $9
             WHERE instance_id = $1 AND user_code = $2 AND status = 'pending' AND expires_at > $3`,
            [instanceId, userCode, now, approval.userId, approval.sessionSid, approval.authTime, JSON.stringify(approval.amr), approval.idp, approval.tid],
          );
    return affected === 1;
  }

  /**
   * A poll of a pending request: records it, and widens the interval by 5 seconds when it came
   * sooner than the interval allowed (RFC 8628 §3.5). Returns the state before this poll, or null
   * when the code is not this application's pending request.
   */
  async poll(instanceId: string, deviceCode: string, applicationUri: string, now: Date): Promise<{ lastPolledAt: Date | null; intervalSeconds: number } | null> {
    const [rows] = (await this.db.query(
      `UPDATE device_authorizations d SET last_polled_at = $4,
         interval_seconds = CASE WHEN o.last_polled_at > $4::timestamptz - o.interval_seconds * interval '1 second' THEN o.interval_seconds + 5 ELSE o.interval_seconds END
       FROM device_authorizations o
       WHERE o.device_code_hash = d.device_code_hash AND d.device_code_hash = $1 AND d.instance_id = $2 AND d.application_uri = $3 AND d.status = 'pending'
       RETURNING o.last_polled_at AS "lastPolledAt", o.interval_seconds AS "intervalSeconds"`,
      [sha256Hex(deviceCode), instanceId, applicationUri, now],
    )) as [{ lastPolledAt: Date | null; intervalSeconds: number }[], number];
    return rows[0] ?? null;
  }

  /**
   * Redeems an approved, unexpired request once, in one statement, storing the refresh token
   * with it when the scope holds offline_access. Null when nothing was redeemed (`find` tells why).
   */
  async redeem(
    instanceId: string,
    deviceCode: string,
    expected: { applicationUri: string; now: Date; jti: string; refreshToken?: { token: string; expiresAt: Date } },
  ): Promise<{ row: DeviceAuthorization; grantId: string; refreshTokenStored: boolean } | null> {
    const grantId = randomUUID();
    const [won] = await this.db.query(
      `WITH consumed AS (
         UPDATE device_authorizations SET status = 'consumed'
         WHERE device_code_hash = $1 AND instance_id = $2 AND application_uri = $3 AND status = 'approved' AND expires_at > $4
         RETURNING *
       ), refresh AS (
         INSERT INTO refresh_tokens (token_hash, instance_id, grant_id, application_uri, user_id, session_sid, scope, claims, auth_time, amr, idp, tid, expires_at, issued_jti)
         SELECT $5::text, instance_id, $7::uuid, application_uri, user_id, session_sid, scope, NULL, auth_time, amr, idp, tid, $6::timestamptz, $8::text
         FROM consumed WHERE $5::text IS NOT NULL AND 'offline_access' = ANY (string_to_array(scope, ' '))
         RETURNING 1
       )
       SELECT ${COLUMNS}, EXISTS (SELECT FROM refresh) AS "refreshTokenStored" FROM consumed`,
      [
        sha256Hex(deviceCode), instanceId, expected.applicationUri, expected.now,
        expected.refreshToken ? sha256Hex(expected.refreshToken.token) : null, expected.refreshToken?.expiresAt ?? null, grantId, expected.jti,
      ],
    );
    if (!won) return null;
    const { refreshTokenStored, ...row } = won as DeviceAuthorization & { refreshTokenStored: boolean };
    return { row, grantId, refreshTokenStored };
  }

  async find(instanceId: string, deviceCode: string): Promise<DeviceAuthorization | null> {
    const [row] = await this.db.query(`SELECT ${COLUMNS} FROM device_authorizations WHERE device_code_hash = $1 AND instance_id = $2`, [sha256Hex(deviceCode), instanceId]);
    return row ?? null;
  }
}
