import { MigrationInterface, QueryRunner } from 'typeorm';

export class AuditLog1764000400000 implements MigrationInterface {
  name = 'AuditLog1764000400000';

  public async up(q: QueryRunner): Promise<void> {
    // Who did what, when, at which instance: admin changes, sign-ins and sign-outs. Never secrets.
    // instance_name survives the instance's deletion (instance_id is then set to NULL).
    await q.query(`
      CREATE TABLE audit_events (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        instance_id uuid REFERENCES instances(id) ON DELETE SET NULL,
        instance_name text,
        actor text NOT NULL,
        action text NOT NULL,
        target text,
        details jsonb NOT NULL DEFAULT '{}'::jsonb,
        ip text,
        request_id text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX idx_audit_events_instance_id ON audit_events (instance_id)`);
    await q.query(`CREATE INDEX idx_audit_events_instance_name ON audit_events (instance_name)`);
    await q.query(`CREATE INDEX idx_audit_events_action ON audit_events (action)`);
    await q.query(`CREATE INDEX idx_audit_events_created_at ON audit_events (created_at)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_events`);
  }
}
