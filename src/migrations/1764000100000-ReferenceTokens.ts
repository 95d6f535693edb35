import { MigrationInterface, QueryRunner } from 'typeorm';

/** Reference tokens (PAT/SAT): only sha256(token) is stored, looked up through a unique index. */
export class ReferenceTokens1764000100000 implements MigrationInterface {
  name = 'ReferenceTokens1764000100000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE reference_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        instance_id uuid NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('PAT', 'SAT')),
        token_hash text NOT NULL CHECK (token_hash ~ '^[0-9a-f]{64}$'),
        application_id uuid NOT NULL REFERENCES trusted_applications(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        scope text NOT NULL DEFAULT '',
        description text,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX uq_reference_tokens_token_hash ON reference_tokens (token_hash)`);
    await q.query(`CREATE INDEX idx_reference_tokens_instance_id ON reference_tokens (instance_id, created_at)`);
    await q.query(`CREATE INDEX idx_reference_tokens_application_id ON reference_tokens (application_id)`);
    await q.query(`CREATE INDEX idx_reference_tokens_user_id ON reference_tokens (user_id)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE reference_tokens`);
  }
}
