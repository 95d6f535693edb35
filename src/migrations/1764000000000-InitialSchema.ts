import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE instances (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        type text NOT NULL CHECK (type IN ('Instance', 'Global')),
        database text NOT NULL,
        web_sites jsonb NOT NULL DEFAULT '[]'::jsonb,
        erp_net_id_sign_in_enabled boolean NOT NULL DEFAULT false,
        settings jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX uq_instances_name ON instances (lower(name))`);
    await q.query(`
      CREATE TABLE instance_hosts (
        host text PRIMARY KEY,
        instance_id uuid NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
        position int NOT NULL DEFAULT 0
      )`);
    await q.query(`CREATE INDEX idx_instance_hosts_instance_id ON instance_hosts (instance_id)`);
    await q.query(`
      CREATE TABLE signing_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        instance_id uuid NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
        kid text NOT NULL UNIQUE,
        public_jwk jsonb NOT NULL,
        private_key_encrypted text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        activates_at timestamptz NOT NULL,
        retires_at timestamptz,
        expires_at timestamptz
      )`);
    await q.query(`CREATE INDEX idx_signing_keys_instance_id ON signing_keys (instance_id)`);
    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        instance_id uuid NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
        login text NOT NULL,
        email text,
        name text NOT NULL,
        password_hash text,
        user_type text NOT NULL DEFAULT 'InternalUser'
          CHECK (user_type IN ('InternalUser', 'ExternalCommunityUser', 'SystemUserNoLogin')),
        is_admin boolean NOT NULL DEFAULT false,
        locale text,
        email_verified boolean NOT NULL DEFAULT false,
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX uq_users_instance_login ON users (instance_id, lower(login))`);
    await q.query(`CREATE INDEX idx_users_instance_email ON users (instance_id, lower(email))`);
    await q.query(`
      CREATE TABLE trusted_applications (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        instance_id uuid NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
        name text NOT NULL,
        application_uri text NOT NULL,
        is_enabled boolean NOT NULL DEFAULT true,
        impersonate_as_internal_user_allowed boolean NOT NULL DEFAULT false,
        impersonate_as_community_user_allowed boolean NOT NULL DEFAULT false,
        impersonate_login_url text NOT NULL DEFAULT '',
        impersonate_logout_url text NOT NULL DEFAULT '',
        client_type text NOT NULL DEFAULT 'Confidential' CHECK (client_type IN ('Confidential', 'Public')),
        application_secret_hash text,
        scope text NOT NULL DEFAULT '',
        system_user_login text,
        system_user_allowed boolean NOT NULL DEFAULT false,
        access_tokens text NOT NULL DEFAULT 'None' CHECK (access_tokens IN ('None', 'AuthenticatedUsers', 'AdministratorsOnly')),
        basic_authentication_allowed boolean NOT NULL DEFAULT false,
        back_channel_logout_uri text,
        front_channel_logout_uri text,
        notes text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX uq_trusted_applications_instance_uri ON trusted_applications (instance_id, application_uri)`);
    await q.query(`CREATE TABLE server_settings (key text PRIMARY KEY, value text NOT NULL)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE server_settings`);
    await q.query(`DROP TABLE trusted_applications`);
    await q.query(`DROP TABLE users`);
    await q.query(`DROP TABLE signing_keys`);
    await q.query(`DROP TABLE instance_hosts`);
    await q.query(`DROP TABLE instances`);
  }
}
