import type { INestApplicationContext } from '@nestjs/common';
import { AUTO_DISCOVERY_CACHE, autoDiscovery } from '../modules/discovery/auto-discovery.controller';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { DISCOVERY_CACHE, jwksCache } from '../modules/discovery/discovery.controller';
import { DiscoveryService } from '../modules/discovery/discovery.service';
import { IntrospectionService } from '../modules/introspection/introspection.service';
import { TokenService } from '../modules/token/token.service';
import { NO_STORE, type LaneRoute } from './fast-lane';

/** Discovery and JWKS: cached publicly, readable by any web page (modules/cors). */
const PUBLIC_METADATA = { 'cache-control': DISCOVERY_CACHE, 'access-control-allow-origin': '*' };

/** The lane's routes: each calls the same service as its controller (see the controllers named). */
export function fastLaneRoutes(app: INestApplicationContext): LaneRoute[] {
  const discovery = app.get(DiscoveryService);
  const tokens = app.get(TokenService);
  const introspection = app.get(IntrospectionService);
  const jwksHeaders = { ...PUBLIC_METADATA, 'cache-control': jwksCache(app.get<AppConfig>(APP_CONFIG).keyPropagationDelaySeconds) };
  return [
    // DiscoveryController
    { method: 'GET', url: '/id/.well-known/openid-configuration', headers: PUBLIC_METADATA, handle: (r) => discovery.configurationJson(r.tenant) },
    { method: 'GET', url: '/id/.well-known/openid-configuration/jwks', headers: jwksHeaders, handle: (r) => discovery.jwksJson(r.tenant) },
    // AutoDiscoveryController
    { method: 'GET', url: '/sys/auto-discovery', headers: { 'cache-control': AUTO_DISCOVERY_CACHE, 'access-control-allow-origin': '*' }, handle: (r) => JSON.stringify(autoDiscovery(r.tenant)) },
    // TokenController
    { method: 'POST', url: '/id/connect/token', form: true, corsByOrigin: true, headers: NO_STORE, handle: async (r) => JSON.stringify(await tokens.exchange(r.tenant, r.body ?? {}, r.headers.authorization)) },
    // IntrospectionController
    { method: 'POST', url: '/id/connect/introspect', form: true, headers: NO_STORE, handle: async (r) => JSON.stringify(await introspection.introspect(r.tenant, r.body ?? {}, r.headers.authorization)) },
  ];
}
