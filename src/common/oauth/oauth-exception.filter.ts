import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AdminException, adminErrorStatus } from '../admin/admin.exception';
import { isDatabaseUnavailable } from '../database-errors';
import { AuthorizationError } from '../../modules/authorize/authorization.error';
import { ViewRenderer } from '../http/views';
import { handleAuthorizationError } from './authorization-error.handler';
import { OAuthError } from './errors';

interface ErrorBody {
  error: string;
  error_description?: string;
  errors?: Record<string, string[]>;
}

/**
 * The one place where errors become responses: OAuth errors as RFC 6749 §5.2 / RFC 6750 JSON,
 * admin errors with their field-by-field reasons, framework 4xx as they are, and anything
 * unknown as a generic server_error that is logged but never shown.
 */
@Catch()
export class OAuthExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(private readonly views: ViewRenderer) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const reply = ctx.getResponse<FastifyReply>();
    const request = ctx.getRequest<FastifyRequest>();
    if (exception instanceof AuthorizationError) return handleAuthorizationError(exception, request, reply, this.views);
    const { status, body, wwwAuthenticate } = this.toResponse(exception, request);
    if (wwwAuthenticate) reply.header('WWW-Authenticate', wwwAuthenticate);
    reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache');
    reply.status(status).send(body);
  }

  private toResponse(exception: unknown, request: FastifyRequest): { status: number; body: ErrorBody; wwwAuthenticate?: string } {
    if (exception instanceof OAuthError) {
      if (exception.status >= 500) this.logger.error(`${request.method} ${request.routeOptions?.url ?? ''}: ${exception.error}`, (exception.cause as Error)?.stack);
      return {
        status: exception.status,
        body: describe(exception.error, exception.description),
        wwwAuthenticate: exception.wwwAuthenticate,
      };
    }
    if (exception instanceof AdminException) {
      const body: ErrorBody = describe(exception.code, exception.message);
      if (exception.fields) body.errors = exception.fields;
      return { status: adminErrorStatus(exception.code), body };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status < 500) return { status, body: describe(status === 404 ? 'not_found' : 'invalid_request', httpMessage(exception)) };
    }
    const statusCode = (exception as { statusCode?: unknown })?.statusCode;
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
      // Fastify's own 4xx (unsupported media type, malformed body, body too large).
      return { status: statusCode, body: describe('invalid_request', (exception as Error).message) };
    }
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn(`database unavailable: ${(exception as Error).message}`);
      return { status: 503, body: describe('temporarily_unavailable', 'the service is temporarily unavailable, try again shortly') };
    }
    this.logger.error(`unhandled error on ${request.method} ${request.routeOptions?.url ?? ''}`, (exception as Error)?.stack ?? String(exception));
    return { status: 500, body: describe('server_error', 'an unexpected error occurred') };
  }
}

function describe(error: string, description?: string): ErrorBody {
  return description ? { error, error_description: description } : { error };
}

function httpMessage(e: HttpException): string {
  const res = e.getResponse();
  if (typeof res === 'string') return res;
  const msg = (res as { message?: unknown }).message;
  return Array.isArray(msg) ? msg.join(', ') : typeof msg === 'string' ? msg : e.message;
}
