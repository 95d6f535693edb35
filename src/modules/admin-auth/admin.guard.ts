import { normalizeIP } from '@fastify/rate-limit';
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AdminErrorCode, AdminException } from '../../common/admin/admin.exception';
import { assertJsonBody } from '../../common/admin/json-body';
import { errorResponse } from '../../common/oauth/error-response';
import { AdminKeyGuesses } from './admin-key-guesses';
import { AdminKeyService } from './admin-key.service';

/** The routes behind the admin API key. */
const ADMIN_PATHS = /^\/(admin|metrics)(\/|\?|$)/;

/**
 * `Authorization: Bearer $ADMIN_API_KEY` on every admin route; then, a body must be JSON. An
 * address that presented too many wrong keys gets 429 for a while (AdminKeyGuesses).
 *
 * Checked twice: by `onRequest` (a Fastify hook, before the body is read, so that a caller without
 * the key learns nothing of how its body would parse, and a large body is never read for it), and
 * by the guard on each admin controller.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(
    private readonly adminKey: AdminKeyService,
    private readonly guesses: AdminKeyGuesses,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const refusal = this.refusal(request, context.switchToHttp().getResponse<FastifyReply>());
    if (refusal) throw refusal;
    assertJsonBody(request);
    return true;
  }

  /** Fastify's onRequest hook: refuses an admin request without the key before its body is read. */
  readonly onRequest = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (!ADMIN_PATHS.test(request.url)) return;
    const refusal = this.refusal(request, reply);
    if (!refusal) return;
    const { status, body } = errorResponse(refusal, `${request.method} ${request.url.split('?', 1)[0]}`, { error: () => undefined });
    await reply.code(status).header('Cache-Control', 'no-store').send(body);
  };

  /** Why the request may not use the admin API (its response headers set), or undefined when it may. */
  private refusal(request: FastifyRequest, reply: FastifyReply): AdminException | undefined {
    const match = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? '');
    const address = normalizeIP(request.ip);
    const wait = match ? this.guesses.refusedFor(address) : 0;
    if (wait) {
      reply.header('Retry-After', String(wait));
      return new AdminException(AdminErrorCode.TooManyRequests, `too many wrong admin API keys from this address; retry in ${wait} s`);
    }
    if (match && this.adminKey.verify(match[1])) return undefined;
    if (match) this.guesses.wrongKey(address);
    reply.header('WWW-Authenticate', 'Bearer realm="admin"');
    return new AdminException(AdminErrorCode.Unauthorized, 'a valid admin API key is required (Authorization: Bearer …)');
  }
}
