import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { CurrentTenant } from '../../common/tenant/current-tenant.decorator';
import type { Tenant } from '../../common/tenant/tenant';
import { DiscoveryService } from './discovery.service';

/** Discovery and JWKS change rarely; short public caching keeps verifiers current after a rotation. */
export const DISCOVERY_CACHE = 'public, max-age=300';

/**
 * JWKS is cached no longer than a new key waits before it signs (KEY_PROPAGATION_DELAY_SECONDS):
 * a verifier that fetched JWKS just before a rotation has the new key by the time it is used.
 */
export function jwksCache(keyPropagationDelaySeconds: number): string {
  return `public, max-age=${Math.min(300, keyPropagationDelaySeconds)}`;
}

@Controller('id/.well-known')
export class DiscoveryController {
  private readonly jwksCacheControl: string;

  constructor(
    private readonly discovery: DiscoveryService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.jwksCacheControl = jwksCache(config.keyPropagationDelaySeconds);
  }

  @Get('openid-configuration')
  @Header('Cache-Control', DISCOVERY_CACHE)
  async configuration(@CurrentTenant() tenant: Tenant, @Res() reply: FastifyReply) {
    reply.type('application/json; charset=utf-8').send(this.discovery.configurationJson(tenant));
  }

  @Get('openid-configuration/jwks')
  async jwks(@CurrentTenant() tenant: Tenant, @Res() reply: FastifyReply) {
    reply.header('Cache-Control', this.jwksCacheControl).type('application/json; charset=utf-8').send(await this.discovery.jwksJson(tenant));
  }
}
