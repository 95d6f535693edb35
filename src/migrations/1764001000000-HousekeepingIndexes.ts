import { MigrationInterface, QueryRunner } from 'typeorm';

export class HousekeepingIndexes1764001000000 implements MigrationInterface {
  name = 'HousekeepingIndexes1764001000000';

  public async up(q: QueryRunner): Promise<void> {
    // What the housekeeping purge looks rows up by (modules/housekeeping), so that it never scans a whole table.
    await q.query(`CREATE INDEX idx_refresh_tokens_expires_at ON refresh_tokens (expires_at)`);
    await q.query(`CREATE INDEX idx_revoked_access_tokens_expires_at ON revoked_access_tokens (expires_at)`);
    await q.query(`CREATE INDEX idx_account_tokens_expires_at ON account_tokens (expires_at)`);
    // least() skips NULL: a live session is found by its expiry, an ended one by whichever came first.
    await q.query(`CREATE INDEX idx_sessions_over_at ON sessions (least(ended_at, expires_at))`);
    await q.query(`CREATE INDEX idx_outbox_created_at ON outbox (created_at)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const index of ['idx_refresh_tokens_expires_at', 'idx_revoked_access_tokens_expires_at', 'idx_account_tokens_expires_at', 'idx_sessions_over_at', 'idx_outbox_created_at']) {
      await q.query(`DROP INDEX ${index}`);
    }
  }
}
