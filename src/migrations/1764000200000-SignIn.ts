import { MigrationInterface, QueryRunner } from 'typeorm';

export class SignIn1764000200000 implements MigrationInterface {
  name = 'SignIn1764000200000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        instance_id uuid NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
        sid text NOT NULL UNIQUE,
        cookie_hash text NOT NULL UNIQUE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        auth_time timestamptz NOT NULL,
        amr jsonb NOT NULL DEFAULT '["pwd"]'::jsonb,
        idp text NOT NULL DEFAULT 'local',
        tid text,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        ended_at timestamptz
      )`);
    await q.query(`CREATE INDEX idx_sessions_instance_id ON sessions (instance_id)`);
    await q.query(`CREATE INDEX idx_sessions_user_id ON sessions (user_id)`);
    await q.query(`
      CREATE TABLE session_participants (
        session_id uuid NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        application_uri text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (session_id, application_uri)
      )`);
    await q.query(`
      CREATE TABLE authorization_codes (
        code_hash text PRIMARY KEY,
        instance_id uuid NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
        grant_id uuid NOT NULL,
        application_uri text NOT NULL,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        session_sid text NOT NULL,
        redirect_uri text NOT NULL,
        scope text NOT NULL,
        nonce text,
        code_challenge text,
        claims jsonb,
        auth_time timestamptz NOT NULL,
        amr jsonb NOT NULL,
        idp text NOT NULL,
        tid text,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        consumed_at timestamptz,
        issued_jti text
      )`);
    await q.query(`CREATE INDEX idx_authorization_codes_instance_id ON authorization_codes (instance_id)`);
    await q.query(`CREATE INDEX idx_authorization_codes_expires_at ON authorization_codes (expires_at)`);
    await q.query(`
      CREATE TABLE refresh_tokens (
        token_hash text PRIMARY KEY,
        instance_id uuid NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
        grant_id uuid NOT NULL,
        application_uri text NOT NULL,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        session_sid text NOT NULL,
        scope text NOT NULL,
        claims jsonb,
        auth_time timestamptz NOT NULL,
        amr jsonb NOT NULL,
        idp text NOT NULL,
        tid text,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        consumed_at timestamptz,
        revoked_at timestamptz
      )`);
    await q.query(`CREATE INDEX idx_refresh_tokens_instance_id ON refresh_tokens (instance_id)`);
    await q.query(`CREATE INDEX idx_refresh_tokens_grant_id ON refresh_tokens (grant_id)`);
    await q.query(`
      CREATE TABLE revoked_access_tokens (
        jti text PRIMARY KEY,
        instance_id uuid NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX idx_revoked_access_tokens_instance_id ON revoked_access_tokens (instance_id)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE revoked_access_tokens`);
    await q.query(`DROP TABLE refresh_tokens`);
    await q.query(`DROP TABLE authorization_codes`);
    await q.query(`DROP TABLE session_participants`);
    await q.query(`DROP TABLE sessions`);
  }
}
