import { Injectable, OnModuleInit } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { ChangeFeed } from '../../common/cache/change-feed.service';
import type { Tenant } from '../../common/tenant/tenant';
import { KeysService } from '../keys/keys.service';
import { IDENTITY_SCOPES } from '../tokens/user-claims';
import { TokenService } from '../token/token.service';
import { openidConfiguration } from './openid-configuration';

/** Protocol scopes the server understands, before any instance-specific API scope. */
const PROTOCOL_SCOPES: string[] = [...IDENTITY_SCOPES];

@Injectable()
export class DiscoveryService implements OnModuleInit {
  /** The document's JSON per issuer, built once per instance change. */
  private readonly documents = new LRUCache<string, { instanceId: string; json: string }>({ max: 20_000 });

  constructor(
    private readonly keys: KeysService,
    private readonly tokens: TokenService,
    private readonly changes: ChangeFeed,
  ) {}

  onModuleInit(): void {
    this.changes.subscribe((c) => {
      if (c.topic === 'instance') this.documents.clear();
    });
  }

  configurationJson(tenant: Tenant): string {
    const cached = this.documents.get(tenant.issuer);
    if (cached && cached.instanceId === tenant.id) return cached.json;
    const json = JSON.stringify(openidConfiguration(tenant, { grantTypes: this.tokens.grantTypes, scopes: PROTOCOL_SCOPES }));
    this.documents.set(tenant.issuer, { instanceId: tenant.id, json });
    return json;
  }

  /** The JWKS's JSON: at once when the keys are cached (the fast lane answers it synchronously). */
  jwksJson(tenant: Tenant): string | Promise<string> {
    return this.keys.cachedJwksJson(tenant.id) ?? this.keys.jwksJson(tenant.id);
  }
}
