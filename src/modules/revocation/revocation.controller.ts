import { Controller, Headers, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { formBody } from '../../common/http/form-body';
import { CurrentTenant } from '../../common/tenant/current-tenant.decorator';
import type { Tenant } from '../../common/tenant/tenant';
import { RevocationService } from './revocation.service';

@Controller('id/connect')
export class RevocationController {
  constructor(private readonly revocation: RevocationService) {}

  /** RFC 7009 §2.2: 200 with an empty body, whether or not there was anything to revoke. */
  @Post('revocation')
  @HttpCode(200)
  async revoke(@CurrentTenant() tenant: Tenant, @Req() req: FastifyRequest, @Headers('authorization') authorization: string | undefined, @Res() reply: FastifyReply): Promise<void> {
    await this.revocation.revoke(tenant, formBody(req), authorization, req);
    await reply.status(200).header('Cache-Control', 'no-store').header('Pragma', 'no-cache').send();
  }
}
