import { MigrationInterface, QueryRunner } from 'typeorm';

export class AccountTokenEmail1764000900000 implements MigrationInterface {
  name = 'AccountTokenEmail1764000900000';

  public async up(q: QueryRunner): Promise<void> {
    // The address a verification or reset link was mailed to: the link proves that mailbox only,
    // so it works only while the account still has that address.
    await q.query(`ALTER TABLE account_tokens ADD COLUMN email text`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE account_tokens DROP COLUMN email`);
  }
}
