import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** JWT access tokens revoked before expiry (issued from a replayed code); kept until they expire. */
@Injectable()
export class RevokedAccessTokensRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async revoke(instanceId: string, jti: string, expiresAt: Date): Promise<void> {
    await this.db.query('INSERT INTO revoked_access_tokens (jti, instance_id, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [jti, instanceId, expiresAt]);
  }

  async isRevoked(instanceId: string, jti: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query('SELECT 1 FROM revoked_access_tokens WHERE jti = $1 AND instance_id = $2', [jti, instanceId]);
    return rows.length > 0;
  }
}
