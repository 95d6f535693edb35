import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { ClaimsRequest } from './claims-request';

const sha256 = (v: string) => createHash('sha256').update(v).digest('hex');
// Note: for UPDATE … RETURNING, TypeORM's postgres driver answers [rows, affectedCount].

export interface AuthorizationCode {
  grantId: string;
  applicationUri: string;
  userId: string;
  sessionSid: string;
  redirectUri: string;
  scope: string;
  nonce: string | null;
  codeChallenge: string | null;
  claims: ClaimsRequest | null;
  authTime: Date;
  amr: string[];
  idp: string;
  tid: string | null;
  expiresAt: Date;
  consumedAt: Date | null;
  issuedJti: string | null;
}

const COLUMNS = `grant_id AS "grantId", application_uri AS "applicationUri", user_id AS "userId", session_sid AS "sessionSid",
  redirect_uri AS "redirectUri", scope, nonce, code_challenge AS "codeChallenge", claims, auth_time AS "authTime", amr, idp, tid,
  expires_at AS "expiresAt", consumed_at AS "consumedAt", issued_jti AS "issuedJti"`;

/** Authorization codes, stored by hash only; redeeming is one atomic UPDATE, so a code is used at most once. */
@Injectable()
export class AuthorizationCodesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async create(instanceId: string, code: string, row: Omit<AuthorizationCode, 'consumedAt' | 'issuedJti'>): Promise<void> {
    await this.db.query(
      `INSERT INTO authorization_codes (code_hash, instance_id, grant_id, application_uri, user_id, session_sid, redirect_uri, scope, nonce,
         code_challenge, claims, auth_time, amr, idp, tid, expires_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16)`,
      [sha256(code), instanceId, row.grantId, row.applicationUri, row.userId, row.sessionSid, row.redirectUri, row.scope, row.nonce, row.codeChallenge,
        row.claims ? JSON.stringify(row.claims) : null, row.authTime, JSON.stringify(row.amr), row.idp, row.tid, row.expiresAt],
    );
  }

  /**
   * Marks the code used and returns it, or returns the already-used row with `replayed: true`.
   * Two concurrent redemptions: the UPDATE's row lock lets exactly one of them win.
   */
  async consume(instanceId: string, code: string): Promise<{ row: AuthorizationCode; replayed: boolean } | null> {
    const hash = sha256(code);
    const [[won]] = await this.db.query(
      `UPDATE authorization_codes SET consumed_at = now() WHERE code_hash = $1 AND instance_id = $2 AND consumed_at IS NULL RETURNING ${COLUMNS}`,
      [hash, instanceId],
    );
    if (won) return { row: won as AuthorizationCode, replayed: false };
    const [used] = await this.db.query(`SELECT ${COLUMNS} FROM authorization_codes WHERE code_hash = $1 AND instance_id = $2`, [hash, instanceId]);
    return used ? { row: used as AuthorizationCode, replayed: true } : null;
  }

  async find(instanceId: string, code: string): Promise<AuthorizationCode | null> {
    const [row] = await this.db.query(`SELECT ${COLUMNS} FROM authorization_codes WHERE code_hash = $1 AND instance_id = $2`, [sha256(code), instanceId]);
    return (row as AuthorizationCode) ?? null;
  }

  async recordIssuedToken(instanceId: string, code: string, jti: string): Promise<void> {
    await this.db.query('UPDATE authorization_codes SET issued_jti = $3 WHERE code_hash = $1 AND instance_id = $2', [sha256(code), instanceId, jti]);
  }
}
