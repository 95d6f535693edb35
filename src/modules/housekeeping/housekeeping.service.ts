import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { Clock } from '../../common/crypto/clock';
import { AuditService } from '../audit/audit.service';
import { InstancesService } from '../instances/instances.service';
import { KeysService } from '../keys/keys.service';
import { MetricsService } from '../metrics/metrics.service';

/** Rows deleted by one statement: small enough that no lock is held for long on a busy table. */
const BATCH = 1000;
/** Scheduled key rotations per run and node: each makes an RSA key (~100 ms of CPU), so a backlog spreads over runs. */
const ROTATIONS_PER_RUN = 100;
/** The first purge after start, so that a node restarted more often than the interval still purges. */
const FIRST_RUN_MS = 60_000;

/**
 * What is purged: rows that nothing can use any more. Each `over` is a condition on `$1`, now.
 * A code or refresh token is kept an hour past its expiry, so that a late replay is still told
 * apart from a made-up value in the audit log; ended sessions and spent links a day.
 */
interface Purge {
  /** The name in the admin API's answer, the log and the metric. */
  name: string;
  table: string;
  over: string;
}

const PURGES: readonly Purge[] = [
  { name: 'PushedAuthorizationRequests', table: 'pushed_authorization_requests', over: `expires_at < $1::timestamptz` },
  { name: 'DeviceAuthorizations', table: 'device_authorizations', over: `expires_at < $1::timestamptz - interval '1 hour'` },
  { name: 'AuthorizationCodes', table: 'authorization_codes', over: `expires_at < $1::timestamptz - interval '1 hour'` },
  { name: 'RefreshTokens', table: 'refresh_tokens', over: `expires_at < $1::timestamptz - interval '1 hour'` },
  // A revoked JWT is refused by its jti only until it expires; after that its exp refuses it.
  { name: 'RevokedAccessTokens', table: 'revoked_access_tokens', over: `expires_at < $1::timestamptz` },
  { name: 'Sessions', table: 'sessions', over: `least(ended_at, expires_at) < $1::timestamptz - interval '1 day'` },
  { name: 'AccountTokens', table: 'account_tokens', over: `expires_at < $1::timestamptz - interval '1 day'` },
  { name: 'SignInFailures', table: 'sign_in_failures', over: `last_failed_at < $1::timestamptz - interval '1 day'` },
  // Mail kept for the operator when no SMTP_URL is set: its links are long expired after a week.
  { name: 'Outbox', table: 'outbox', over: `created_at < $1::timestamptz - interval '7 days'` },
];

export type PurgeCounts = Record<string, number>;

export interface HousekeepingResult {
  /** Rows deleted, by kind. */
  Deleted: PurgeCounts;
  /** The instances whose keys this run rotated (KEY_ROTATION_DAYS). */
  RotatedKeys: string[];
}

/**
 * Deletes what has expired and rotates signing keys that are due, on every node at
 * HOUSEKEEPING_INTERVAL_SECONDS (with jitter), and on demand through the admin API. Nodes need no
 * coordination: a batch skips rows another node has locked, deleting a deleted row deletes
 * nothing, and a rotation re-checks under the lock of the instance's key rows.
 */
@Injectable()
export class HousekeepingService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Housekeeping');
  private timer?: NodeJS.Timeout;
  private running?: Promise<HousekeepingResult>;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
    private readonly clock: Clock,
    private readonly keys: KeysService,
    private readonly instances: InstancesService,
    private readonly audit: AuditService,
  ) {}

  onApplicationBootstrap(): void {
    const interval = this.config.housekeepingIntervalSeconds * 1000;
    if (interval > 0) this.schedule(Math.min(FIRST_RUN_MS, interval) * (0.5 + Math.random()));
  }

  onModuleDestroy(): void {
    clearTimeout(this.timer);
  }

  /** One run: expired rows purged, due keys rotated; a second call while one runs waits for that one. */
  run(): Promise<HousekeepingResult> {
    this.running ??= this.runAll(this.clock.now()).finally(() => (this.running = undefined));
    return this.running;
  }

  private async runAll(now: Date): Promise<HousekeepingResult> {
    const Deleted = await this.purgeAll(now);
    const RotatedKeys = await this.rotateDueKeys(now);
    this.metrics.purgeFinished(new Date());
    return { Deleted, RotatedKeys };
  }

  /** Rotates the keys of instances whose newest key has signed for KEY_ROTATION_DAYS, audited as keys.rotated. */
  private async rotateDueKeys(now: Date): Promise<string[]> {
    if (this.config.keyRotationDays <= 0) return [];
    const dueBefore = new Date(now.getTime() - this.config.keyRotationDays * 86_400_000);
    const rotated: string[] = [];
    for (const id of await this.keys.dueForRotation(dueBefore, ROTATIONS_PER_RUN)) {
      const instance = await this.instances.findById(id);
      if (!instance || !(await this.keys.rotateIfDue(instance, dueBefore))) continue;
      rotated.push(instance.name);
      await this.audit.record({ instanceId: instance.id, instanceName: instance.name, actor: 'housekeeping', action: 'keys.rotated', target: instance.name, details: { scheduled: true, keyRotationDays: this.config.keyRotationDays } });
    }
    if (rotated.length) this.logger.log({ msg: 'signing keys rotated on schedule', instances: rotated.length });
    return rotated;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      void this.run()
        .catch((e: Error) => this.logger.warn(`housekeeping failed: ${e.message}`))
        .finally(() => this.schedule(this.config.housekeepingIntervalSeconds * 1000 * (0.9 + Math.random() * 0.2)));
    }, delayMs);
    this.timer.unref();
  }

  private async purgeAll(now: Date): Promise<PurgeCounts> {
    const counts: PurgeCounts = {};
    const purges = [...PURGES];
    if (this.config.auditRetentionDays > 0) {
      purges.push({ name: 'AuditEvents', table: 'audit_events', over: `created_at < $1::timestamptz - ${this.config.auditRetentionDays} * interval '1 day'` });
    }
    for (const purge of purges) {
      counts[purge.name] = await this.purgeOne(purge, now);
      if (counts[purge.name]) this.metrics.rowsPurged(purge.table, counts[purge.name]);
    }
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    if (total) this.logger.log({ msg: 'expired rows deleted', deleted: counts });
    return counts;
  }

  private async purgeOne(purge: Purge, now: Date): Promise<number> {
    let deleted = 0;
    for (;;) {
      // FOR UPDATE SKIP LOCKED: rows another node is deleting right now are left to it.
      const [, count] = (await this.db.query(
        `DELETE FROM ${purge.table} WHERE ctid = ANY (ARRAY (SELECT ctid FROM ${purge.table} WHERE ${purge.over} LIMIT ${BATCH} FOR UPDATE SKIP LOCKED))`,
        [now],
      )) as [unknown, number];
      deleted += count;
      if (count < BATCH) return deleted;
    }
  }
}
