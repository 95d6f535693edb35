import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AdminException, adminErrorStatus } from '../admin/admin.exception';
import { isDatabaseUnavailable } from '../database-errors';
import { isUnstorableInput } from '../unstorable-input';
import { messages, pickLang } from '../../modules/session/i18n';
import { AuthorizationError } from '../../modules/authorize/authorization.error';
import { isBrowserPage } from '../http/browser-page';
import { sendServiceUnavailable } from '../http/service-unavailable';
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
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn(`database unavailable on ${request.method} ${request.routeOptions?.url ?? ''}: ${(exception as Error).message}`);
      sendServiceUnavailable(request, reply, this.views, request.tenant?.name);
      return;
    }
    const { status, body, wwwAuthenticate } = this.toResponse(exception, request);
    if (isBrowserPage(request)) return this.errorPage(request, reply, status, body);
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
    if (isUnstorableInput(exception)) {
      return { status: 400, body: describe('invalid_request', 'the request holds characters that are not accepted (such as NUL)') };
    }
    this.logger.error(`unhandled error on ${request.method} ${request.routeOptions?.url ?? ''}`, (exception as Error)?.stack ?? String(exception));
    return { status: 500, body: describe('server_error', 'an unexpected error occurred') };
  }

  /** The error page of a browser page (a framework 4xx such as a wrong media type, or a 500), instead of JSON. */
  private errorPage(request: FastifyRequest, reply: FastifyReply, status: number, body: ErrorBody): void {
    const lang = pickLang(undefined, request.headers['accept-language']);
    const t = messages(lang);
    this.views.render(reply, 'error', { lang, t, title: t.errorTitle, instanceName: request.tenant?.name, message: body.error_description ?? body.error, code: body.error }, { status });
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
