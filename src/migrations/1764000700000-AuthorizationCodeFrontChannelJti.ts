import { MigrationInterface, QueryRunner } from 'typeorm';

export class AuthorizationCodeFrontChannelJti1764000700000 implements MigrationInterface {
  name = 'AuthorizationCodeFrontChannelJti1764000700000';

  public async up(q: QueryRunner): Promise<void> {
    // The jti of the access token a hybrid response (`code token`) sent with the code, so that a
    // replayed code revokes it too, not only the access tokens of the token endpoint.
    await q.query(`ALTER TABLE authorization_codes ADD COLUMN front_channel_jti text`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE authorization_codes DROP COLUMN front_channel_jti`);
  }
}
