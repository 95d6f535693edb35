import { MigrationInterface, QueryRunner } from 'typeorm';

export class PushedAuthorizationRequests1764001100000 implements MigrationInterface {
  name = 'PushedAuthorizationRequests1764001100000';

  public async up(q: QueryRunner): Promise<void> {
    // RFC 9126: an authorization request pushed by its application, waiting (briefly) for the
    // browser to come to the authorization endpoint with its request_uri. Stored by hash only.
    await q.query(`
      CREATE TABLE pushed_authorization_requests (
        reference_hash text PRIMARY KEY,
        instance_id uuid NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
        application_uri text NOT NULL,
        params jsonb NOT NULL,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX idx_pushed_authorization_requests_expires_at ON pushed_authorization_requests (expires_at)`);
    await q.query(`CREATE INDEX idx_pushed_authorization_requests_application ON pushed_authorization_requests (instance_id, application_uri)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE pushed_authorization_requests`);
  }
}
