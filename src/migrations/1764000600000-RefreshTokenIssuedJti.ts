import { MigrationInterface, QueryRunner } from 'typeorm';

export class RefreshTokenIssuedJti1764000600000 implements MigrationInterface {
  name = 'RefreshTokenIssuedJti1764000600000';

  public async up(q: QueryRunner): Promise<void> {
    // The jti of the access token issued together with each refresh token, so that a replayed code
    // or a reused refresh token revokes every access token of the grant, not only the first.
    await q.query(`ALTER TABLE refresh_tokens ADD COLUMN issued_jti text`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE refresh_tokens DROP COLUMN issued_jti`);
  }
}
