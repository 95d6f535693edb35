import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from '../database-errors';
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
 * belongs to no instance gets 404 here and never reaches a controller.
 */
export function resolveTenantHook(instances: HostLookup) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const path = request.url.split('?', 1)[0];
    if (SERVER_PATHS.test(path)) return;
    let instance: InstanceRecord | null;
    try {
      instance = await instances.findByHost(request.hostname.toLowerCase());
    } catch (e) {
      const unavailable = isDatabaseUnavailable(e);
      await reply
        .code(unavailable ? 503 : 500)
        .header('Cache-Control', 'no-store')
        .send({ error: unavailable ? 'temporarily_unavailable' : 'server_error', error_description: unavailable ? 'the service is temporarily unavailable, try again shortly' : 'an unexpected error occurred' });
      return;
    }
    if (!instance) {
      await reply.code(404).header('Cache-Control', 'no-store').send({ error: 'not_found', error_description: 'no instance is served at this host' });
      return;
    }
    request.tenant = tenantFor(instance, `${request.protocol}://${request.host}`);
  };
}
