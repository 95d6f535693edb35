import { MigrationInterface, QueryRunner } from 'typeorm';

export class SessionOrigin1764000800000 implements MigrationInterface {
  name = 'SessionOrigin1764000800000';

  public async up(q: QueryRunner): Promise<void> {
    // The origin (scheme and host) a session was opened at, so that a session ended outside a
    // request of its instance (a user deactivated through the admin API) can still be announced to
    // the applications by back-channel logout, under the issuer they know.
    await q.query(`ALTER TABLE sessions ADD COLUMN origin text`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sessions DROP COLUMN origin`);
  }
}
