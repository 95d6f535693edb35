import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { ClaimsRequest } from './claims-request';

const sha256 = (v: string) => createHash('sha256').update(v).digest('hex');
// Note: for UPDATE … RETURNING, TypeORM's postgres driver answers [rows, affectedCount].

export interface RefreshToken {
  grantId: string;
  applicationUri: string;
  userId: string;
  sessionSid: string;
  scope: string;
  claims: ClaimsRequest | null;
  authTime: Date;
  amr: string[];
  idp: string;
  tid: string | null;
  expiresAt: Date;
  consumedAt: Date | null;
  revokedAt: Date | null;
}

const COLUMNS = `grant_id AS "grantId", application_uri AS "applicationUri", user_id AS "userId", session_sid AS "sessionSid", scope, claims,
  auth_time AS "authTime", amr, idp, tid, expires_at AS "expiresAt", consumed_at AS "consumedAt", revoked_at AS "revokedAt"`;

/** Refresh tokens by hash. A family (grant_id) is every token rotated from one authorization. */
@Injectable()
export class RefreshTokensRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async create(instanceId: string, token: string, row: Omit<RefreshToken, 'consumedAt' | 'revokedAt'>): Promise<void> {
    await this.db.query(
      `INSERT INTO refresh_tokens (token_hash, instance_id, grant_id, application_uri, user_id, session_sid, scope, claims, auth_time, amr, idp, tid, expires_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)`,
      [sha256(token), instanceId, row.grantId, row.applicationUri, row.userId, row.sessionSid, row.scope,
        row.claims ? JSON.stringify(row.claims) : null, row.authTime, JSON.stringify(row.amr), row.idp, row.tid, row.expiresAt],
    );
  }

  /** Atomically marks the token used (rotation); a token already used or revoked comes back with `reused: true`. */
  async consume(instanceId: string, token: string): Promise<{ row: RefreshToken; reused: boolean } | null> {
    const hash = sha256(token);
    const [[won]] = await this.db.query(
      `UPDATE refresh_tokens SET consumed_at = now() WHERE token_hash = $1 AND instance_id = $2 AND consumed_at IS NULL AND revoked_at IS NULL RETURNING ${COLUMNS}`,
      [hash, instanceId],
    );
    if (won) return { row: won as RefreshToken, reused: false };
    const [used] = await this.db.query(`SELECT ${COLUMNS} FROM refresh_tokens WHERE token_hash = $1 AND instance_id = $2`, [hash, instanceId]);
    return used ? { row: used as RefreshToken, reused: true } : null;
  }

  async find(instanceId: string, token: string): Promise<RefreshToken | null> {
    const [row] = await this.db.query(`SELECT ${COLUMNS} FROM refresh_tokens WHERE token_hash = $1 AND instance_id = $2`, [sha256(token), instanceId]);
    return (row as RefreshToken) ?? null;
  }

  async revokeFamily(instanceId: string, grantId: string): Promise<void> {
    await this.db.query('UPDATE refresh_tokens SET revoked_at = now() WHERE instance_id = $1 AND grant_id = $2 AND revoked_at IS NULL', [instanceId, grantId]);
  }

  async revokeSession(instanceId: string, sid: string): Promise<void> {
    await this.db.query('UPDATE refresh_tokens SET revoked_at = now() WHERE instance_id = $1 AND session_sid = $2 AND revoked_at IS NULL', [instanceId, sid]);
  }
}
