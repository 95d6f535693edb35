import { Controller, Headers, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { formBody } from '../../common/http/form-body';
import { CurrentTenant } from '../../common/tenant/current-tenant.decorator';
import type { Tenant } from '../../common/tenant/tenant';
import { DeviceAuthorizationService } from './device-authorization.service';

/** `POST /id/connect/deviceauthorization` (RFC 8628 §3.1): the device's first request. */
@Controller('id/connect')
export class DeviceAuthorizationController {
  constructor(private readonly devices: DeviceAuthorizationService) {}

  @Post('deviceauthorization')
  @HttpCode(200)
  async start(@CurrentTenant() tenant: Tenant, @Req() req: FastifyRequest, @Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    const response = await this.devices.start(tenant, formBody(req), authorization);
    reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache');
    return response;
  }
}
