import { sha256 } from '@app/oauth-core';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { randomToken } from '../../common/crypto/random';

export type AccountTokenPurpose = 'verify-email' | 'reset-password';

const sha256Hex = (v: string) => sha256(v, 'hex');

/**
 * The tokens in verification and reset links: 256 random bits, stored only as a hash, bound to
 * one user, one purpose and the address they were mailed to (a link proves that mailbox only: it
 * does nothing once the account's Email is another), expiring, and consumed by a single atomic
 * UPDATE (single use even when two nodes receive the same link at once).
 */
@Injectable()
export class AccountTokensRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async create(instanceId: string, userId: string, purpose: AccountTokenPurpose, ttlSeconds: number, email: string): Promise<string> {
    const token = randomToken(32);
    await this.db.query(
      `INSERT INTO account_tokens (token_hash, instance_id, user_id, purpose, expires_at, email) VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5), $6)`,
      [sha256Hex(token), instanceId, userId, purpose, ttlSeconds, email],
    );
    return token;
  }

  /** The user id, once; null for an unknown, used, expired or other-purpose token. */
  async consume(instanceId: string, token: string, purpose: AccountTokenPurpose): Promise<string | null> {
    const [rows] = await this.db.query(
      `UPDATE account_tokens t SET consumed_at = now() FROM users u
       WHERE t.token_hash = $1 AND t.instance_id = $2 AND t.purpose = $3 AND t.consumed_at IS NULL AND t.expires_at > now()
         AND u.id = t.user_id AND lower(u.email) = lower(t.email)
       RETURNING t.user_id`,
      [sha256Hex(token), instanceId, purpose],
    );
    return (rows as { user_id: string }[])[0]?.user_id ?? null;
  }

  /** Whether the token would be accepted now, without consuming it (to show the reset form). */
  async isUsable(instanceId: string, token: string, purpose: AccountTokenPurpose): Promise<boolean> {
    return (await this.userOf(instanceId, token, purpose)) !== null;
  }

  /** The user the token would be consumed for now, without consuming it; null when it would not be. */
  async userOf(instanceId: string, token: string, purpose: AccountTokenPurpose): Promise<string | null> {
    const rows: { user_id: string }[] = await this.db.query(
      `SELECT t.user_id FROM account_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.token_hash = $1 AND t.instance_id = $2 AND t.purpose = $3 AND t.consumed_at IS NULL AND t.expires_at > now()
          AND lower(u.email) = lower(t.email)`,
      [sha256Hex(token), instanceId, purpose],
    );
    return rows[0]?.user_id ?? null;
  }

  /** Whether a link of this purpose was made for the user within the last `seconds` (mail is not sent again so soon). */
  async madeWithin(instanceId: string, userId: string, purpose: AccountTokenPurpose, seconds: number): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `SELECT 1 FROM account_tokens WHERE instance_id = $1 AND user_id = $2 AND purpose = $3 AND created_at > now() - make_interval(secs => $4) LIMIT 1`,
      [instanceId, userId, purpose, seconds],
    );
    return rows.length > 0;
  }

  /** Ends the user's unused links of this purpose (after one is used, or the password changed). */
  async invalidate(instanceId: string, userId: string, purpose: AccountTokenPurpose): Promise<void> {
    await this.db.query(`UPDATE account_tokens SET consumed_at = now() WHERE instance_id = $1 AND user_id = $2 AND purpose = $3 AND consumed_at IS NULL`, [instanceId, userId, purpose]);
  }
}
