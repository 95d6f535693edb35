import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { LRUCache } from 'lru-cache';
import type { DataSource } from 'typeorm';
import { ChangeFeed, type Change } from '../../common/cache/change-feed.service';
import { InstanceKeyedCache, PRECISE_CLOCK } from '../../common/cache/instance-keys';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';

/** How long a revocation is kept: the longest an access token can live (AccessTokenLifetime ≤ 86,400 s). */
export const REVOCATION_KEPT_MS = 24 * 3600 * 1000;

/** Above this many revoked jtis an instance's set is not kept in memory: each check asks the database. */
const MAX_CACHED_PER_INSTANCE = 10_000;

/**
 * JWT access tokens revoked before expiry (issued from a replayed code, or with a reused refresh
 * token's family); kept until they expire.
 *
 * Each process keeps the set of an instance's revoked jtis (usually empty) for CACHE_TTL_SECONDS,
 * so checking a token costs no database round trip. Every revocation publishes an
 * 'access-token-revocation' change naming the jti, which every process adds to what it knows at
 * once. Those announced jtis are also remembered on their own for the TTL and merged into any set
 * read meanwhile: the INSERT may still be uncommitted when the change arrives (it runs inside the
 * replayed code's transaction), and a set read before the commit must not forget it. A
 * revocation that is rolled back anyway leaves the jti refused by the processes that heard of it,
 * until the TTL: that errs on the safe side.
 */
@Injectable()
export class RevokedAccessTokensRepository implements OnModuleInit {
  /** Keyed by instance id: its revoked jtis, or 'many' when there are too many to keep. */
  private readonly byInstance: LRUCache<string, Set<string> | 'many'>;
  /** Keyed `${instanceId} ${jti}`: revocations announced through the ChangeFeed. */
  private readonly announced: InstanceKeyedCache<true>;
  /** Incremented on every change received: a set read that overlapped one is not kept. */
  private generation = 0;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly changes: ChangeFeed,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    const ttl = Math.max(1, config.cacheTtlSeconds) * 1000;
    this.byInstance = new LRUCache({ max: 100_000, ttl, ttlResolution: PRECISE_CLOCK });
    this.announced = new InstanceKeyedCache({ max: 100_000, ttl });
  }

  onModuleInit(): void {
    this.changes.subscribe((c) => this.onChange(c));
  }

  async revoke(instanceId: string, jti: string, expiresAt: Date): Promise<void> {
    await this.db.query('INSERT INTO revoked_access_tokens (jti, instance_id, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [jti, instanceId, expiresAt]);
    // Inside a transaction, NOTIFY is delivered at its commit (and not at all on a rollback).
    await this.changes.publish({ topic: 'access-token-revocation', instanceId, key: jti });
  }

  /**
   * Revokes every access token recorded as issued with a refresh token of the grant (the code's
   * first one, and one per refresh: refresh_tokens.issued_jti), announcing each newly revoked jti.
   */
  async revokeGrant(instanceId: string, grantId: string, expiresAt: Date): Promise<void> {
    const rows: { jti: string }[] = await this.db.query(
      `INSERT INTO revoked_access_tokens (jti, instance_id, expires_at)
       SELECT DISTINCT issued_jti, instance_id, $3::timestamptz FROM refresh_tokens WHERE instance_id = $1 AND grant_id = $2 AND issued_jti IS NOT NULL
       ON CONFLICT DO NOTHING
       RETURNING jti`,
      [instanceId, grantId, expiresAt],
    );
    for (const { jti } of rows) await this.changes.publish({ topic: 'access-token-revocation', instanceId, key: jti });
  }

  async isRevoked(instanceId: string, jti: string): Promise<boolean> {
    if (this.announced.has(`${instanceId} ${jti}`)) return true;
    const known = this.byInstance.get(instanceId) ?? (await this.load(instanceId));
    if (known !== 'many') return known.has(jti);
    const rows: unknown[] = await this.db.query('SELECT 1 FROM revoked_access_tokens WHERE jti = $1 AND instance_id = $2', [jti, instanceId]);
    return rows.length > 0;
  }

  private async load(instanceId: string): Promise<Set<string> | 'many'> {
    const generation = this.generation;
    const rows: { jti: string }[] = await this.db.query('SELECT jti FROM revoked_access_tokens WHERE instance_id = $1 LIMIT $2', [instanceId, MAX_CACHED_PER_INSTANCE + 1]);
    const known = rows.length > MAX_CACHED_PER_INSTANCE ? 'many' : new Set(rows.map((r) => r.jti));
    if (known !== 'many') {
      for (const key of this.announced.keysOf(instanceId)) if (this.announced.has(key)) known.add(key.slice(instanceId.length + 1));
    }
    if (generation === this.generation) this.byInstance.set(instanceId, known);
    return known;
  }

  private onChange(c: Change): void {
    if (c.instanceId === '*') {
      this.generation++;
      this.byInstance.clear();
    } else if (c.topic === 'instance') {
      this.generation++;
      this.byInstance.delete(c.instanceId);
    } else if (c.topic === 'access-token-revocation') {
      this.generation++;
      if (!c.key) {
        this.byInstance.delete(c.instanceId);
        return;
      }
      this.announced.set(`${c.instanceId} ${c.key}`, true);
      const known = this.byInstance.get(c.instanceId);
      if (known && known !== 'many') known.add(c.key);
    }
  }
}
