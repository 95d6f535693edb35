import { ArgumentsHost, Catch, ExceptionFilter, Logger, NotFoundException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from '../database-errors';
import { messages, pickLang } from '../../modules/session/i18n';
import { AuthorizationError } from '../../modules/authorize/authorization.error';
import { AllowedMethods } from '../http/allowed-methods';
import { isBrowserPage } from '../http/browser-page';
import { sendServiceUnavailable } from '../http/service-unavailable';
import { ViewRenderer } from '../http/views';
import { handleAuthorizationError } from './authorization-error.handler';
import { errorResponse, type ErrorBody } from './error-response';
import { MethodNotAllowed } from './errors';

/**
 * The one place where errors of Nest's routes become responses (errorResponse: OAuth errors as
 * RFC 6749 §5.2 / RFC 6750 JSON, admin errors, framework 4xx, anything else a logged server_error),
 * with the error page instead of JSON for browser pages and 503 while the database is unreachable.
 */
@Catch()
export class OAuthExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(
    private readonly views: ViewRenderer,
    private readonly allowedMethods: AllowedMethods,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const reply = ctx.getResponse<FastifyReply>();
    const request = ctx.getRequest<FastifyRequest>();
    if (exception instanceof AuthorizationError) return handleAuthorizationError(exception, request, reply, this.views);
    // The client went away before its request arrived (its socket's ECONNRESET is not the database's): nobody to answer.
    if (request.raw.readableAborted) {
      this.logger.debug(`${request.method} ${request.routeOptions?.url ?? ''}: the client closed the connection before its request was complete`);
      reply.raw.destroy();
      return;
    }
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn(`database unavailable on ${request.method} ${request.routeOptions?.url ?? ''}: ${(exception as Error).message}`);
      sendServiceUnavailable(request, reply, this.views, request.tenant?.name);
      return;
    }
    if (exception instanceof NotFoundException && !request.routeOptions?.url) exception = this.wrongMethod(request) ?? exception;
    const { status, body, wwwAuthenticate } = errorResponse(exception, `${request.method} ${request.routeOptions?.url ?? ''}`, this.logger);
    if (exception instanceof MethodNotAllowed) reply.header('Allow', exception.allow.join(', '));
    if (isBrowserPage(request)) return this.errorPage(request, reply, status, body);
    if (wwwAuthenticate) reply.header('WWW-Authenticate', wwwAuthenticate);
    reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache');
    reply.status(status).send(body);
  }

  /**
   * No route for this method and path, but routes for this path under other methods: 405 with the
   * methods it takes in `Allow` (RFC 9110 §15.5.6), not 404.
   */
  private wrongMethod(request: FastifyRequest): MethodNotAllowed | undefined {
    const query = request.url.indexOf('?');
    const allowed = this.allowedMethods.for(query === -1 ? request.url : request.url.slice(0, query));
    // Where the two routers read a path apart (an empty segment: `/instances/`), it is not ours to call the method wrong.
    return allowed.length && !allowed.includes(request.method) ? new MethodNotAllowed(request.method, allowed) : undefined;
  }

  /** The error page of a browser page (a framework 4xx such as a wrong media type, or a 500), instead of JSON. */
  private errorPage(request: FastifyRequest, reply: FastifyReply, status: number, body: ErrorBody): void {
    const lang = pickLang(undefined, request.headers['accept-language']);
    const t = messages(lang);
    this.views.render(reply, 'error', { lang, t, title: t.errorTitle, instanceName: request.tenant?.name, message: body.error_description ?? body.error, code: body.error }, { status });
  }
}
