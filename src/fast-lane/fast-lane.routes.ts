import type { INestApplicationContext } from '@nestjs/common';
import { AUTO_DISCOVERY_CACHE, autoDiscovery } from '../modules/discovery/auto-discovery.controller';
import { DISCOVERY_CACHE } from '../modules/discovery/discovery.controller';
import { DiscoveryService } from '../modules/discovery/discovery.service';
import { IntrospectionService } from '../modules/introspection/introspection.service';
import { TokenService } from '../modules/token/token.service';
import { NO_STORE, type LaneRoute } from './fast-lane';

/** The lane's routes: each calls the same service as its controller (see the controllers named). */
export function fastLaneRoutes(app: INestApplicationContext): LaneRoute[] {
  const discovery = app.get(DiscoveryService);
  const tokens = app.get(TokenService);
  const introspection = app.get(IntrospectionService);
  return [
    // DiscoveryController
    { method: 'GET', url: '/id/.well-known/openid-configuration', headers: { 'cache-control': DISCOVERY_CACHE }, handle: (r) => discovery.configurationJson(r.tenant) },
    { method: 'GET', url: '/id/.well-known/openid-configuration/jwks', headers: { 'cache-control': DISCOVERY_CACHE }, handle: (r) => discovery.jwksJson(r.tenant) },
    // AutoDiscoveryController
    { method: 'GET', url: '/sys/auto-discovery', headers: { 'cache-control': AUTO_DISCOVERY_CACHE }, handle: (r) => JSON.stringify(autoDiscovery(r.tenant)) },
    // TokenController
    { method: 'POST', url: '/id/connect/token', form: true, headers: NO_STORE, handle: async (r) => JSON.stringify(await tokens.exchange(r.tenant, r.body ?? {}, r.headers.authorization)) },
    // IntrospectionController
    { method: 'POST', url: '/id/connect/introspect', form: true, headers: NO_STORE, handle: async (r) => JSON.stringify(await introspection.introspect(r.tenant, r.body ?? {}, r.headers.authorization)) },
  ];
}
