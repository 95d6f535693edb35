import { createParamDecorator, ExecutionContext, InternalServerErrorException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Tenant } from './tenant';

declare module 'fastify' {
  interface FastifyRequest {
    tenant?: Tenant;
  }
}

/** The request's instance, set by the tenant hook; its absence is a wiring bug, never a fallback. */
export const CurrentTenant = createParamDecorator((_data: unknown, ctx: ExecutionContext): Tenant => {
  const request = ctx.switchToHttp().getRequest<FastifyRequest>();
  if (!request.tenant) throw new InternalServerErrorException('tenant not resolved for this route; this should never happen');
  return request.tenant;
});
