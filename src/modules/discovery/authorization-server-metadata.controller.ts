import { Controller, Get, Header, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CurrentTenant } from '../../common/tenant/current-tenant.decorator';
import type { Tenant } from '../../common/tenant/tenant';
import { DISCOVERY_CACHE } from './discovery.controller';
import { DiscoveryService } from './discovery.service';

/**
 * OAuth 2.0 Authorization Server Metadata (RFC 8414 §3): for the issuer `https://{host}/id` the
 * well-known suffix goes between host and path, `https://{host}/.well-known/oauth-authorization-server/id`.
 * The same document as openid-configuration, whose issuer it names (§3.3).
 */
@Controller('.well-known/oauth-authorization-server')
export class AuthorizationServerMetadataController {
  constructor(private readonly discovery: DiscoveryService) {}

  @Get('id')
  @Header('Cache-Control', DISCOVERY_CACHE)
  metadata(@CurrentTenant() tenant: Tenant, @Res() reply: FastifyReply) {
    reply.type('application/json; charset=utf-8').send(this.discovery.configurationJson(tenant));
  }
}
