import { sha256 } from '@app/oauth-core';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { queryPrepared, type PreparedStatement } from '../../database/prepared-statements';
import type { ClaimsRequest } from './claims-request';

const sha256Hex = (v: string) => sha256(v, 'hex');
// Note: for UPDATE … RETURNING, TypeORM's postgres driver answers [rows, affectedCount]; a statement
// that ends in a SELECT (a WITH … UPDATE … RETURNING feeding a SELECT) answers the rows alone.

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

/** The statements of every refresh, prepared once per connection. */
const ROTATE: PreparedStatement = {
  name: 'refresh_token_rotate',
  text: `WITH consumed AS (
         UPDATE refresh_tokens SET consumed_at = now()
         WHERE token_hash = $1 AND instance_id = $2 AND consumed_at IS NULL AND revoked_at IS NULL AND application_uri = $3
         RETURNING *
       ), successor AS (
         INSERT INTO refresh_tokens (token_hash, instance_id, grant_id, application_uri, user_id, session_sid, scope, claims, auth_time, amr, idp, tid, expires_at, issued_jti)
         SELECT $4::text, instance_id, grant_id, application_uri, user_id, session_sid, scope, claims, auth_time, amr, idp, tid, $5::timestamptz, $8::text
         FROM consumed
         WHERE $4::text IS NOT NULL AND expires_at > $6 AND 'offline_access' = ANY (string_to_array(scope, ' ')) AND string_to_array(scope, ' ') @> $7::text[]
         RETURNING 1
       )
       SELECT ${COLUMNS}, EXISTS (SELECT FROM successor) AS "successorStored" FROM consumed`,
};

const FIND: PreparedStatement = { name: 'refresh_token_find', text: `SELECT ${COLUMNS} FROM refresh_tokens WHERE token_hash = $1 AND instance_id = $2` };

/** Refresh tokens by hash. A family (grant_id) is every token rotated from one authorization. */
@Injectable()
export class RefreshTokensRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Rotation in one statement, which needs no transaction: the token is consumed only when it is
   * this client's and neither used nor revoked; and, when `successor` is given, the token is still
   * unexpired at `now`, its scope holds offline_access and every scope of `requestedScopes`, the
   * successor is stored with it, carrying the same grant and the jti of the access token issued
   * with it. All of it or nothing.
   *
   * Returns null when nothing was consumed; `find` then tells why. Two concurrent uses: the
   * UPDATE's row lock lets exactly one of them win, and the other sees the token used.
   *
   * The successor's scope is the token's as stored, which is always written normalized
   * (formatScope of parsed scopes), as the issuer would have written it.
   */
  async rotate(
    instanceId: string,
    token: string,
    expected: {
      applicationUri: string;
      now: Date;
      requestedScopes: string[];
      /** Stored with `jti`, the access token about to be issued with it. */
      successor?: { token: string; expiresAt: Date; jti: string };
    },
  ): Promise<{ row: RefreshToken; successorStored: boolean } | null> {
    const [won] = await queryPrepared<RefreshToken & { successorStored: boolean }>(this.db, ROTATE, [
      sha256Hex(token), instanceId, expected.applicationUri, expected.successor ? sha256Hex(expected.successor.token) : null, expected.successor?.expiresAt ?? null,
      expected.now, expected.requestedScopes, expected.successor?.jti ?? null,
    ]);
    if (!won) return null;
    const { successorStored, ...row } = won;
    return { row, successorStored };
  }

  /**
   * After `rotate`, when the response failed (the tokens could not be signed, the database failed):
   * undoes the rotation, as a rolled-back transaction would, so that the client may retry. The
   * successor, never handed out, is deleted; the old token is given back unless its family was
   * revoked meanwhile (a concurrent reuse).
   */
  async undoRotate(instanceId: string, token: string, successor: string | undefined): Promise<void> {
    await this.db.query(
      `WITH dropped AS (DELETE FROM refresh_tokens WHERE token_hash = $3 AND instance_id = $2)
       UPDATE refresh_tokens SET consumed_at = NULL WHERE token_hash = $1 AND instance_id = $2 AND revoked_at IS NULL`,
      [sha256Hex(token), instanceId, successor ? sha256Hex(successor) : null],
    );
  }

  async find(instanceId: string, token: string): Promise<RefreshToken | null> {
    const [row] = await queryPrepared<RefreshToken>(this.db, FIND, [sha256Hex(token), instanceId]);
    return row ?? null;
  }

  /**
   * Revokes every token of the family. `dropped`: a token of it stored by `rotate` but never handed
   * out, which is deleted instead, in the same statement.
   */
  async revokeFamily(instanceId: string, grantId: string, dropped?: string): Promise<void> {
    if (!dropped) {
      await this.db.query('UPDATE refresh_tokens SET revoked_at = now() WHERE instance_id = $1 AND grant_id = $2 AND revoked_at IS NULL', [instanceId, grantId]);
      return;
    }
    await this.db.query(
      `WITH dropped AS (DELETE FROM refresh_tokens WHERE token_hash = $3 AND instance_id = $1)
       UPDATE refresh_tokens SET revoked_at = now() WHERE instance_id = $1 AND grant_id = $2 AND revoked_at IS NULL AND token_hash <> $3`,
      [instanceId, grantId, sha256Hex(dropped)],
    );
  }

  async revokeSession(instanceId: string, sid: string): Promise<void> {
    await this.db.query('UPDATE refresh_tokens SET revoked_at = now() WHERE instance_id = $1 AND session_sid = $2 AND revoked_at IS NULL', [instanceId, sid]);
  }
}
