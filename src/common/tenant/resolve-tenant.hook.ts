import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from '../database-errors';
import { hostHeaderProblem } from '../http/host-header';
import { sendServiceUnavailable } from '../http/service-unavailable';
import type { ViewRenderer } from '../http/views';
import type { InstanceRecord } from './tenant';
import { tenantFor } from './tenant';

/** Paths served on every host, outside any instance. */
const SERVER_PATHS = /^\/(admin\/|healthz$|readyz$|metrics$|favicon\.ico$)/;

export interface HostLookup {
  findByHost(host: string): Promise<InstanceRecord | null>;
}

/**
 * Fastify onRequest hook: maps the request's host (without port; X-Forwarded-Host only behind a
 * trusted proxy, as Fastify's trustProxy decides) to its instance, once per request. A host that
 * belongs to no instance gets 404 here and never reaches a controller. While the database cannot
 * be reached, a host not in the cache gets 503 (the error page for browser pages, given `views`).
 */
export function resolveTenantHook(instances: HostLookup, views?: ViewRenderer) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const badHost = hostHeaderProblem(request);
    if (badHost) {
      await reply.code(400).header('Cache-Control', 'no-store').send({ error: 'invalid_request', error_description: badHost });
      return;
    }
    const path = request.url.split('?', 1)[0];
    if (SERVER_PATHS.test(path)) return;
    let instance: InstanceRecord | null;
    try {
      instance = await instances.findByHost(request.hostname.toLowerCase());
    } catch (e) {
      if (isDatabaseUnavailable(e)) {
        await sendServiceUnavailable(request, reply, views);
        return;
      }
      await reply.code(500).header('Cache-Control', 'no-store').send({ error: 'server_error', error_description: 'an unexpected error occurred' });
      return;
    }
    if (!instance) {
      await reply.code(404).header('Cache-Control', 'no-store').send({ error: 'not_found', error_description: 'no instance is served at this host' });
      return;
    }
    request.tenant = tenantFor(instance, `${request.protocol}://${request.host}`);
  };
}
