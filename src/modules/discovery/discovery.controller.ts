import { Controller, Get, Header, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CurrentTenant } from '../../common/tenant/current-tenant.decorator';
import type { Tenant } from '../../common/tenant/tenant';
import { DiscoveryService } from './discovery.service';

/** Discovery and JWKS change rarely; short public caching keeps verifiers current after a rotation. */
export const DISCOVERY_CACHE = 'public, max-age=300';

@Controller('id/.well-known')
export class DiscoveryController {
  constructor(private readonly discovery: DiscoveryService) {}

  @Get('openid-configuration')
  @Header('Cache-Control', DISCOVERY_CACHE)
  async configuration(@CurrentTenant() tenant: Tenant, @Res() reply: FastifyReply) {
    reply.type('application/json; charset=utf-8').send(this.discovery.configurationJson(tenant));
  }

  @Get('openid-configuration/jwks')
  @Header('Cache-Control', DISCOVERY_CACHE)
  async jwks(@CurrentTenant() tenant: Tenant, @Res() reply: FastifyReply) {
    reply.type('application/json; charset=utf-8').send(await this.discovery.jwksJson(tenant));
  }
}
