import { sha256 } from '@app/oauth-core';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { queryPrepared, type PreparedStatement } from '../../database/prepared-statements';
import type { ClaimsRequest } from './claims-request';

const sha256Hex = (v: string) => sha256(v, 'hex');
// Note: for UPDATE … RETURNING, TypeORM's postgres driver answers [rows, affectedCount]; a statement
// that ends in a SELECT (a WITH … UPDATE … RETURNING feeding a SELECT) answers the rows alone.

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
  /** The jti of the access token sent with the code in a hybrid response (`code token`), if any. */
  frontChannelJti: string | null;
}

const COLUMNS = `grant_id AS "grantId", application_uri AS "applicationUri", user_id AS "userId", session_sid AS "sessionSid",
  redirect_uri AS "redirectUri", scope, nonce, code_challenge AS "codeChallenge", claims, auth_time AS "authTime", amr, idp, tid,
  expires_at AS "expiresAt", consumed_at AS "consumedAt", issued_jti AS "issuedJti", front_channel_jti AS "frontChannelJti"`;

/** The statements of every sign-in and code exchange, prepared once per connection. */
const CREATE: PreparedStatement = {
  name: 'authorization_code_create',
  text: `INSERT INTO authorization_codes (code_hash, instance_id, grant_id, application_uri, user_id, session_sid, redirect_uri, scope, nonce,
         code_challenge, claims, auth_time, amr, idp, tid, expires_at, front_channel_jti)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)`,
};

const REDEEM: PreparedStatement = {
  name: 'authorization_code_redeem',
  text: `WITH consumed AS (
         UPDATE authorization_codes SET consumed_at = now(), issued_jti = $3
         WHERE code_hash = $1 AND instance_id = $2 AND consumed_at IS NULL AND application_uri = $4 AND redirect_uri = $5 AND expires_at > $6
           AND (code_challenge = $7 OR ($7::text IS NULL AND coalesce(code_challenge, '') = ''))
         RETURNING *
       ), refresh AS (
         INSERT INTO refresh_tokens (token_hash, instance_id, grant_id, application_uri, user_id, session_sid, scope, claims, auth_time, amr, idp, tid, expires_at, issued_jti)
         SELECT $8::text, instance_id, grant_id, application_uri, user_id, session_sid, scope, claims, auth_time, amr, idp, tid, $9::timestamptz, issued_jti
         FROM consumed WHERE $8::text IS NOT NULL AND 'offline_access' = ANY (string_to_array(scope, ' '))
         RETURNING 1
       )
       SELECT ${COLUMNS}, EXISTS (SELECT FROM refresh) AS "refreshTokenStored" FROM consumed`,
};

const FIND: PreparedStatement = { name: 'authorization_code_find', text: `SELECT ${COLUMNS} FROM authorization_codes WHERE code_hash = $1 AND instance_id = $2` };

/** Authorization codes, stored by hash only; redeeming is one atomic conditional UPDATE, so a code is used at most once. */
@Injectable()
export class AuthorizationCodesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async create(instanceId: string, code: string, row: Omit<AuthorizationCode, 'consumedAt' | 'issuedJti'>): Promise<void> {
    await queryPrepared(this.db, CREATE, [
      sha256Hex(code), instanceId, row.grantId, row.applicationUri, row.userId, row.sessionSid, row.redirectUri, row.scope, row.nonce, row.codeChallenge,
      row.claims ? JSON.stringify(row.claims) : null, row.authTime, JSON.stringify(row.amr), row.idp, row.tid, row.expiresAt, row.frontChannelJti,
    ]);
  }

  /**
   * Redeems the code in one statement, which needs no transaction: it is consumed only when it is
   * this client's, unused, unexpired at `now`, for this redirect_uri and this PKCE challenge (the
   * S256 of the code_verifier, or none when no verifier was sent); the access token's jti is
   * recorded with it; and, when `refreshToken` is given and the code's scope holds offline_access,
   * the refresh token is stored with it, from the code's own columns and with that jti. All of it or nothing.
   *
   * Returns null when nothing was consumed; `find` then tells why. Two concurrent redemptions: the
   * UPDATE's row lock lets exactly one of them win, and the other sees the code consumed.
   *
   * The refresh token's scope is the code's as stored, which the authorize endpoint writes
   * normalized (formatScope of parsed scopes), as the issuer would have written it.
   */
  async redeem(
    instanceId: string,
    code: string,
    expected: { applicationUri: string; redirectUri: string; codeChallenge: string | null; now: Date; jti: string; refreshToken?: { token: string; expiresAt: Date } },
  ): Promise<{ row: AuthorizationCode; refreshTokenStored: boolean } | null> {
    const [won] = await queryPrepared<AuthorizationCode & { refreshTokenStored: boolean }>(this.db, REDEEM, [
      sha256Hex(code), instanceId, expected.jti, expected.applicationUri, expected.redirectUri, expected.now, expected.codeChallenge,
      expected.refreshToken ? sha256Hex(expected.refreshToken.token) : null, expected.refreshToken?.expiresAt ?? null,
    ]);
    if (!won) return null;
    const { refreshTokenStored, ...row } = won;
    return { row, refreshTokenStored };
  }

  async find(instanceId: string, code: string): Promise<AuthorizationCode | null> {
    const [row] = await queryPrepared<AuthorizationCode>(this.db, FIND, [sha256Hex(code), instanceId]);
    return row ?? null;
  }

  /**
   * After `redeem`, when no token is issued after all (the user can no longer sign in): the code
   * stays consumed, but records no access token and leaves no refresh token behind.
   */
  async withdrawIssued(instanceId: string, code: string, jti: string, refreshToken: string | undefined): Promise<void> {
    await this.db.query(
      `WITH dropped AS (DELETE FROM refresh_tokens WHERE token_hash = $4 AND instance_id = $2)
       UPDATE authorization_codes SET issued_jti = NULL WHERE code_hash = $1 AND instance_id = $2 AND issued_jti = $3`,
      [sha256Hex(code), instanceId, jti, refreshToken ? sha256Hex(refreshToken) : null],
    );
  }

  /**
   * After `redeem`, when the response failed (the tokens could not be signed, the database failed):
   * undoes the redemption, as a rolled-back transaction would, so that the client may retry. Only
   * the redemption that recorded `jti` is undone.
   */
  async undoRedeem(instanceId: string, code: string, jti: string, refreshToken: string | undefined): Promise<void> {
    await this.db.query(
      `WITH dropped AS (DELETE FROM refresh_tokens WHERE token_hash = $4 AND instance_id = $2)
       UPDATE authorization_codes SET consumed_at = NULL, issued_jti = NULL WHERE code_hash = $1 AND instance_id = $2 AND issued_jti = $3`,
      [sha256Hex(code), instanceId, jti, refreshToken ? sha256Hex(refreshToken) : null],
    );
  }
}
