import { MigrationInterface, QueryRunner } from 'typeorm';

export class ErpNetId1764000300000 implements MigrationInterface {
  name = 'ErpNetId1764000300000';

  public async up(q: QueryRunner): Promise<void> {
    // ERP.net ID's optional profile fields (seed 000): phone, company, registration message.
    await q.query(`ALTER TABLE users ADD COLUMN phone text, ADD COLUMN company text, ADD COLUMN registration_message text`);
    // Upstream OpenID providers an instance accepts for sign-in; client secrets encrypted under KEY_ENCRYPTION_KEY.
    await q.query(`ALTER TABLE instances ADD COLUMN external_providers jsonb NOT NULL DEFAULT '[]'::jsonb`);
    // The upstream session a federated sign-in came from, so that the upstream's back-channel logout ends it here too.
    // and its ID token (encrypted), the hint for signing out there when the person signs out here.
    await q.query(`ALTER TABLE sessions ADD COLUMN upstream_issuer text, ADD COLUMN upstream_sid text, ADD COLUMN upstream_id_token text`);
    await q.query(`CREATE INDEX idx_sessions_upstream ON sessions (upstream_issuer, upstream_sid) WHERE upstream_sid IS NOT NULL`);
    await q.query(`
      CREATE TABLE account_tokens (
        token_hash text PRIMARY KEY,
        instance_id uuid NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        purpose text NOT NULL CHECK (purpose IN ('verify-email', 'reset-password')),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        consumed_at timestamptz
      )`);
    await q.query(`CREATE INDEX idx_account_tokens_user ON account_tokens (instance_id, user_id)`);
    await q.query(`
      CREATE TABLE outbox (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        instance_id uuid REFERENCES instances(id) ON DELETE CASCADE,
        to_address text NOT NULL,
        subject text NOT NULL,
        body text NOT NULL,
        links jsonb NOT NULL DEFAULT '[]'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX idx_outbox_to_address ON outbox (lower(to_address), created_at DESC)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE outbox`);
    await q.query(`DROP TABLE account_tokens`);
    await q.query(`ALTER TABLE sessions DROP COLUMN upstream_issuer, DROP COLUMN upstream_sid, DROP COLUMN upstream_id_token`);
    await q.query(`ALTER TABLE instances DROP COLUMN external_providers`);
    await q.query(`ALTER TABLE users DROP COLUMN phone, DROP COLUMN company, DROP COLUMN registration_message`);
  }
}
