import { MigrationInterface, QueryRunner } from 'typeorm';

export class DeviceAuthorization1764001200000 implements MigrationInterface {
  name = 'DeviceAuthorization1764001200000';

  public async up(q: QueryRunner): Promise<void> {
    // The device authorization grant (RFC 8628) is opt-in per Trusted Application: a user code
    // can be phished, so only applications that run on input-constrained devices should use it.
    await q.query(`ALTER TABLE trusted_applications ADD COLUMN device_flow_allowed boolean NOT NULL DEFAULT false`);
    // A device's pending sign-in: the device polls with its device_code (stored by hash), the
    // person approves its user_code in a browser. Once approved it carries the session's facts.
    await q.query(`
      CREATE TABLE device_authorizations (
        device_code_hash text PRIMARY KEY,
        instance_id uuid NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
        user_code text NOT NULL,
        application_uri text NOT NULL,
        scope text NOT NULL,
        interval_seconds integer NOT NULL,
        expires_at timestamptz NOT NULL,
        last_polled_at timestamptz,
        status text NOT NULL DEFAULT 'pending',
        user_id uuid REFERENCES users(id) ON DELETE CASCADE,
        session_sid text,
        auth_time timestamptz,
        amr jsonb,
        idp text,
        tid text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX uq_device_authorizations_user_code ON device_authorizations (instance_id, user_code)`);
    await q.query(`CREATE INDEX idx_device_authorizations_expires_at ON device_authorizations (expires_at)`);
    await q.query(`CREATE INDEX idx_device_authorizations_application ON device_authorizations (instance_id, application_uri)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE device_authorizations`);
    await q.query(`ALTER TABLE trusted_applications DROP COLUMN device_flow_allowed`);
  }
}
