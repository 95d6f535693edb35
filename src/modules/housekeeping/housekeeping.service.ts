import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { Clock } from '../../common/crypto/clock';
import { MetricsService } from '../metrics/metrics.service';

/** Rows deleted by one statement: small enough that no lock is held for long on a busy table. */
const BATCH = 1000;
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

/**
 * Deletes what has expired, on every node at HOUSEKEEPING_INTERVAL_SECONDS (with jitter), and on
 * demand through the admin API. Nodes need no coordination: a batch skips rows another node has
 * locked, and deleting a deleted row deletes nothing.
 */
@Injectable()
export class HousekeepingService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Housekeeping');
  private timer?: NodeJS.Timeout;
  private running?: Promise<PurgeCounts>;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    const interval = this.config.housekeepingIntervalSeconds * 1000;
    if (interval > 0) this.schedule(Math.min(FIRST_RUN_MS, interval) * (0.5 + Math.random()));
  }

  onModuleDestroy(): void {
    clearTimeout(this.timer);
  }

  /** One purge of everything; a second call while one runs waits for that one. */
  purge(): Promise<PurgeCounts> {
    this.running ??= this.purgeAll(this.clock.now()).finally(() => (this.running = undefined));
    return this.running;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      void this.purge()
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
    this.metrics.purgeFinished(new Date());
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
