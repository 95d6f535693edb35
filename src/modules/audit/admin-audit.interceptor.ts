import { CallHandler, ExecutionContext, HttpException, Injectable, NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { catchError, from, mergeMap, type Observable, throwError } from 'rxjs';
import { AdminException, adminErrorStatus } from '../../common/admin/admin.exception';
import { adminAuditName } from './admin-audit';
import { AuditService } from './audit.service';

const MUTATIONS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Properties that name what a create call makes, in the order they are looked for. */
const IDENTITY_PROPERTIES = ['Login', 'ApplicationUri', 'Name'];

/**
 * Records every admin API mutation (after the admin key was accepted), refused ones included
 * under `<action>.refused` (so that `user.deleted` lists only users that were deleted): method,
 * route pattern, path parameters, status, the entity and the names (never the values) of the
 * properties sent. The response waits for the record, so it is in the log when the caller
 * sees the result.
 */
@Injectable()
export class AdminAuditInterceptor implements NestInterceptor {
  constructor(
    private readonly audit: AuditService,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const route = request.routeOptions?.url ?? '';
    if (!MUTATIONS.has(request.method) || !route.startsWith('/admin/')) return next.handle();
    const success = this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ?? (request.method === 'POST' ? 201 : 200);
    return next.handle().pipe(
      mergeMap(async (result: unknown) => {
        await this.record(request, route, success, result);
        return result;
      }),
      catchError((error: unknown) => from(this.record(request, route, statusOf(error), undefined, error)).pipe(mergeMap(() => throwError(() => error)))),
    );
  }

  private record(request: FastifyRequest, route: string, status: number, result: unknown, error?: unknown): Promise<void> {
    const { entity, action } = adminAuditName(request.method, route);
    const params = { ...((request.params ?? {}) as Record<string, string>) };
    const body = request.body && typeof request.body === 'object' && !Array.isArray(request.body) ? (request.body as Record<string, unknown>) : {};
    const resultId = result && typeof result === 'object' && !Array.isArray(result) ? (result as { Id?: unknown }).Id : undefined;
    const itemParam = Object.entries(params).filter(([k]) => k !== 'name').pop()?.[1];
    const bodyIdentity = IDENTITY_PROPERTIES.map((p) => body[p]).find((v): v is string => typeof v === 'string');
    const instanceName = params.name ?? (route === '/admin/v1/instances' ? bodyIdentity : undefined);
    return this.audit.record({
      instanceName: instanceName ?? null,
      actor: 'admin-api',
      action: error ? `${action}.refused` : action,
      target: itemParam ?? bodyIdentity ?? (typeof resultId === 'string' ? resultId : undefined) ?? instanceName ?? null,
      details: {
        entity,
        method: request.method,
        route,
        params,
        status,
        fields: Object.keys(body).slice(0, 50).map((k) => k.slice(0, 64)).sort(),
        ...(typeof resultId === 'string' ? { id: resultId } : {}),
        ...(error ? { error: errorCode(error) } : {}),
      },
      request,
    });
  }
}

function statusOf(error: unknown): number {
  if (error instanceof AdminException) return adminErrorStatus(error.code);
  if (error instanceof HttpException) return error.getStatus();
  const status = (error as { status?: unknown; statusCode?: unknown })?.statusCode ?? (error as { status?: unknown })?.status;
  return typeof status === 'number' ? status : 500;
}

function errorCode(error: unknown): string {
  if (error instanceof AdminException) return error.code;
  const code = (error as { error?: unknown })?.error;
  return typeof code === 'string' ? code : statusOf(error) >= 500 ? 'server_error' : 'invalid_request';
}
