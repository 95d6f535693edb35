import { MigrationInterface, QueryRunner } from 'typeorm';

export class SignInPolicy1764000500000 implements MigrationInterface {
  name = 'SignInPolicy1764000500000';

  public async up(q: QueryRunner): Promise<void> {
    // Failed sign-ins per subject, shared by every node: `user:{id}` for an account (whether it was
    // named by Login or by Email), `login:{hmac}` for a typed name that matches no account, so that
    // both are counted and locked by the same statement (see sign-in-failures.repository.ts).
    await q.query(`
      CREATE TABLE sign_in_failures (
        instance_id uuid NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
        subject text NOT NULL,
        user_id uuid REFERENCES users(id) ON DELETE CASCADE,
        failures integer NOT NULL,
        last_failed_at timestamptz NOT NULL,
        locked_until timestamptz,
        PRIMARY KEY (instance_id, subject)
      )`);
    await q.query(`CREATE INDEX idx_sign_in_failures_user_id ON sign_in_failures (user_id) WHERE user_id IS NOT NULL`);
    await q.query(`CREATE INDEX idx_sign_in_failures_last_failed_at ON sign_in_failures (last_failed_at)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE sign_in_failures`);
  }
}
