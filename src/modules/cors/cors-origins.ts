import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { LRUCache } from 'lru-cache';
import type { DataSource } from 'typeorm';
import { parseUriList } from '@app/oauth-core';
import { ChangeFeed } from '../../common/cache/change-feed.service';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';

/**
 * The web origins that may call an instance's token, userinfo and revocation endpoints from a
 * browser (CORS): the origins of its enabled Trusted Applications' sign-in callbacks
 * (ImpersonateLoginUrl), as Keycloak's "+" web origin does. A single-page application, a Public
 * client, is served from the origin its callback is on.
 *
 * Cached per instance and process; a change to any application or to the instance drops the entry.
 */
@Injectable()
export class CorsOrigins implements OnModuleInit {
  private readonly cache: LRUCache<string, ReadonlySet<string>>;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly changes: ChangeFeed,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.cache = new LRUCache({ max: 50_000, ttl: Math.max(1, config.cacheTtlSeconds) * 1000 });
  }

  onModuleInit(): void {
    this.changes.subscribe((c) => {
      if (c.instanceId === '*') this.cache.clear();
      else if (c.topic === 'trusted-application' || c.topic === 'instance') this.cache.delete(c.instanceId);
    });
  }

  /** Whether `origin` may call; undefined when the instance's origins are not cached (ask `allows`). */
  cachedAllows(instanceId: string, origin: string): boolean | undefined {
    return this.cache.get(instanceId)?.has(origin);
  }

  async allows(instanceId: string, origin: string): Promise<boolean> {
    let origins = this.cache.get(instanceId);
    if (!origins) {
      const rows: { impersonate_login_url: string }[] = await this.db.query(
        'SELECT impersonate_login_url FROM trusted_applications WHERE instance_id = $1 AND is_enabled',
        [instanceId],
      );
      origins = originsOf(rows.map((r) => r.impersonate_login_url));
      this.cache.set(instanceId, origins);
    }
    return origins.has(origin);
  }
}

/** The http(s) origins (`scheme://host[:port]`, as a browser sends them in Origin) of comma-separated URL lists. */
export function originsOf(urlLists: readonly string[]): Set<string> {
  const origins = new Set<string>();
  for (const uri of urlLists.flatMap(parseUriList)) {
    try {
      const url = new URL(uri);
      if (url.protocol === 'https:' || url.protocol === 'http:') origins.add(url.origin);
    } catch {
      // Not a URL (stored before validation was as strict): no origin.
    }
  }
  return origins;
}
