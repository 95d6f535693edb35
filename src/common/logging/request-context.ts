import type { FastifyInstance, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
// nestjs-pino's request scope: the AsyncLocalStorage its middleware runs each request in, so that
// every `new Logger(context)` line carries the request's reqId. Not exported by the package's index.
import { storage } from 'nestjs-pino/storage';

/**
 * Switches nestjs-pino's AsyncLocalStorage off whenever no request that uses it is in flight.
 *
 * On Node 20 an enabled AsyncLocalStorage runs async hooks on every promise, tick and I/O callback
 * of the process, whoever made them: the fast lane's token and JWKS requests, which never use it,
 * paid several per cent of their CPU for it (bench/). AsyncLocalStorage.run() switches it on again
 * for the next request that goes through Fastify, whose middleware runs it.
 */
export function requestContextOffWhenIdle(fastify: FastifyInstance, onIdle: () => void = () => storage.disable()): void {
  const open = new WeakSet<FastifyRequest>();
  let inFlight = 0;
  const close = (request: FastifyRequest, done: HookHandlerDoneFunction) => {
    if (open.delete(request) && --inFlight === 0) onIdle();
    done();
  };
  fastify.addHook('onRequest', (request, _reply, done) => {
    open.add(request);
    inFlight++;
    done();
  });
  fastify.addHook('onResponse', (request, _reply, done) => close(request, done));
  fastify.addHook('onRequestAbort', (request, done) => close(request, done));
}
