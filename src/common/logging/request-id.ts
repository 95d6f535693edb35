import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

export const REQUEST_ID_HEADER = 'x-request-id';

/** A caller's own id is kept when it is a plain token: letters, digits and `._:+/=-`, at most 128 characters. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:+/=-]{1,128}$/;

/**
 * Fastify's `genReqId`: the incoming X-Request-Id when it is sane, else a new UUID. The id is the
 * `reqId` of every log line of the request and is echoed in the response's X-Request-Id.
 */
export function requestIdFor(req: IncomingMessage): string {
  const incoming = req.headers[REQUEST_ID_HEADER];
  return typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** onRequest hook: echoes the request id, on every response, the tenant hook's 404 included. */
export function echoRequestIdHook(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  reply.header('X-Request-Id', request.id);
  done();
}
