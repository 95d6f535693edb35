import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AdminErrorCode, AdminException } from '../../common/admin/admin.exception';
import { assertJsonBody } from '../../common/admin/json-body';
import { AdminKeyService } from './admin-key.service';

/** `Authorization: Bearer $ADMIN_API_KEY` on every admin route; then, a body must be JSON. */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(private readonly adminKey: AdminKeyService) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const match = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? '');
    if (match && this.adminKey.verify(match[1])) {
      assertJsonBody(request);
      return true;
    }
    context.switchToHttp().getResponse<FastifyReply>().header('WWW-Authenticate', 'Bearer realm="admin"');
    throw new AdminException(AdminErrorCode.Unauthorized, 'a valid admin API key is required (Authorization: Bearer …)');
  }
}
