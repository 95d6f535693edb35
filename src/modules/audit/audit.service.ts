import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyRequest } from 'fastify';
import type { DataSource } from 'typeorm';
import { scrubValue } from '../../common/logging/redaction';
import type { Tenant } from '../../common/tenant/tenant';
import { MetricsService } from '../metrics/metrics.service';

/** One audited event: who did what, to what, at which instance. Details never hold secrets. */
export interface AuditEvent {
  /** The instance's id when known; else it is looked up by `instanceName`. */
  instanceId?: string | null;
  instanceName?: string | null;
  /** 'admin-api', a user's login, or an application's client_id. */
  actor: string;
  /** e.g. 'instance.created', 'user.deleted', 'keys.rotated', 'sign-in.failed', 'sign-out'. */
  action: string;
  target?: string | null;
  details?: Record<string, unknown>;
  /** The request the event came from: its client IP and request id are recorded. */
  request?: FastifyRequest;
}

export interface AuditEntryDto {
  Id: string;
  CreatedAt: Date;
  Instance: string | null;
  Actor: string;
  Action: string;
  Target: string | null;
  Details: Record<string, unknown>;
  Ip: string | null;
  RequestId: string | null;
}

export interface AuditQuery {
  instance?: string;
  /** Exact, or a prefix when it ends with `*` (`sign-in.*`). */
  action?: string;
  /** Only events older than this Id (paging). */
  before?: string;
  limit: number;
}

const MAX_TEXT = 320;
const clip = (v: string | null | undefined) => (v == null ? null : v.length > MAX_TEXT ? v.slice(0, MAX_TEXT) : v);

interface AuditRow {
  id: string;
  created_at: Date;
  instance_name: string | null;
  actor: string;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
  ip: string | null;
  request_id: string | null;
}

/**
 * The audit log (table audit_events): admin changes, sign-ins and sign-outs. Recording never
 * fails the request it belongs to: an error is logged as a warning and the request goes on.
 */
@Injectable()
export class AuditService {
  private readonly logger = new Logger('Audit');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly metrics: MetricsService,
  ) {}

  async record(event: AuditEvent): Promise<void> {
    try {
      const details = scrubValue(event.details ?? {});
      await this.db.query(
        `INSERT INTO audit_events (instance_id, instance_name, actor, action, target, details, ip, request_id)
         VALUES (COALESCE($1::uuid, (SELECT id FROM instances WHERE name = $2)), $2, $3, $4, $5, $6, $7, $8)`,
        [
          event.instanceId ?? null,
          clip(event.instanceName),
          clip(event.actor) ?? 'unknown',
          event.action,
          clip(event.target),
          JSON.stringify(details),
          clip(event.request?.ip),
          clip(event.request?.id),
        ],
      );
    } catch (e) {
      this.logger.warn(`could not record audit event ${event.action}: ${(e as Error).message}`);
    }
  }

  signInSucceeded(tenant: Tenant, request: FastifyRequest, user: { id: string; login: string }, method: string): Promise<void> {
    return this.record({ instanceId: tenant.id, instanceName: tenant.name, actor: user.login, action: 'sign-in.succeeded', target: user.login, details: { method, userId: user.id }, request });
  }

  /** A refused sign-in: audited under the name that was typed, and counted in sign_in_failures_total. */
  signInFailed(tenant: Tenant, request: FastifyRequest, username: string | undefined, reason: string): Promise<void> {
    this.metrics.signInFailed(tenant.name, reason);
    return this.record({ instanceId: tenant.id, instanceName: tenant.name, actor: username || 'anonymous', action: 'sign-in.failed', target: username || null, details: { reason }, request });
  }

  /** `request`: the one that ended the session (the browser's, or an upstream's back-channel logout), when there is one. */
  signedOut(tenant: Tenant, login: string | undefined, sid: string, request?: FastifyRequest): Promise<void> {
    return this.record({ instanceId: tenant.id, instanceName: tenant.name, actor: login ?? 'unknown', action: 'sign-out', target: login ?? null, details: { sid }, request });
  }

  async list(query: AuditQuery): Promise<AuditEntryDto[]> {
    const action = query.action?.endsWith('*') ? { prefix: query.action.slice(0, -1).replace(/[\\%_]/g, (c) => `\\${c}`) + '%' } : { exact: query.action ?? null };
    const rows: AuditRow[] = await this.db.query(
      `SELECT e.id::text AS id, e.created_at, COALESCE(i.name, e.instance_name) AS instance_name, e.actor, e.action, e.target, e.details, e.ip, e.request_id
       FROM audit_events e LEFT JOIN instances i ON i.id = e.instance_id
       WHERE ($1::text IS NULL OR e.instance_name = $1 OR i.name = $1)
         AND ($2::text IS NULL OR e.action = $2)
         AND ($3::text IS NULL OR e.action LIKE $3)
         AND ($4::bigint IS NULL OR e.id < $4)
       ORDER BY e.id DESC LIMIT $5`,
      [query.instance ?? null, action.exact ?? null, action.prefix ?? null, query.before ?? null, query.limit],
    );
    return rows.map((r) => ({
      Id: r.id,
      CreatedAt: r.created_at,
      Instance: r.instance_name,
      Actor: r.actor,
      Action: r.action,
      Target: r.target,
      Details: r.details,
      Ip: r.ip,
      RequestId: r.request_id,
    }));
  }
}
