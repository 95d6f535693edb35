import { sha256 } from '@app/oauth-core';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { randomToken } from '../../common/crypto/random';

export type AccountTokenPurpose = 'verify-email' | 'reset-password';

const sha256Hex = (v: string) => sha256(v, 'hex');

/**
 * The tokens in verification and reset links: 256 random bits, stored only as a hash, bound to
 * one user and one purpose, expiring, and consumed by a single atomic UPDATE (single use even
 * when two nodes receive the same link at once).
 */
@Injectable()
export class AccountTokensRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async create(instanceId: string, userId: string, purpose: AccountTokenPurpose, ttlSeconds: number): Promise<string> {
    const token = randomToken(32);
    await this.db.query(
      `INSERT INTO account_tokens (token_hash, instance_id, user_id, purpose, expires_at) VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
      [sha256Hex(token), instanceId, userId, purpose, ttlSeconds],
    );
    return token;
  }

  /** The user id, once; null for an unknown, used, expired or other-purpose token. */
  async consume(instanceId: string, token: string, purpose: AccountTokenPurpose): Promise<string | null> {
    const [rows] = await this.db.query(
      `UPDATE account_tokens SET consumed_at = now()
       WHERE token_hash = $1 AND instance_id = $2 AND purpose = $3 AND consumed_at IS NULL AND expires_at > now()
       RETURNING user_id`,
      [sha256Hex(token), instanceId, purpose],
    );
    return (rows as { user_id: string }[])[0]?.user_id ?? null;
  }

  /** Whether the token would be accepted now, without consuming it (to show the reset form). */
  async isUsable(instanceId: string, token: string, purpose: AccountTokenPurpose): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `SELECT 1 FROM account_tokens WHERE token_hash = $1 AND instance_id = $2 AND purpose = $3 AND consumed_at IS NULL AND expires_at > now()`,
      [sha256Hex(token), instanceId, purpose],
    );
    return rows.length > 0;
  }

  /** A new link replaces the older unused ones of the same purpose. */
  async invalidate(instanceId: string, userId: string, purpose: AccountTokenPurpose): Promise<void> {
    await this.db.query(`UPDATE account_tokens SET consumed_at = now() WHERE instance_id = $1 AND user_id = $2 AND purpose = $3 AND consumed_at IS NULL`, [instanceId, userId, purpose]);
  }
}
