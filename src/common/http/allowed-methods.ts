import { Injectable } from '@nestjs/common';
import FindMyWay from 'find-my-way';

/** What a route of the server is registered as (Fastify's onRoute options). */
interface RegisteredRoute {
  method: string | string[];
  url: string;
}

/**
 * The methods each path of the server answers, so that a known path asked with another method
 * gets 405 with `Allow` (RFC 9110 §15.5.6) instead of 404. A router of its own, fed by Fastify's
 * onRoute hook with every route Nest registers, matched with the options of Fastify's router, so
 * that it reads a path as the server does.
 */
@Injectable()
export class AllowedMethods {
  private readonly router = FindMyWay({ maxParamLength: 500 });
  private readonly methods = new Set<string>();

  /** Fastify's onRoute hook. */
  readonly onRoute = (route: RegisteredRoute): void => {
    for (const method of [route.method].flat()) {
      const key = `${method} ${route.url}`;
      if (this.methods.has(key)) continue;
      this.methods.add(key);
      this.router.on(method as FindMyWay.HTTPMethod, route.url, () => undefined);
    }
  };

  /** The methods `path` (without its query) is routed for, in a stable order; empty when it is routed for none. */
  for(path: string): string[] {
    const allowed: string[] = [];
    for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
      try {
        if (this.router.find(method as FindMyWay.HTTPMethod, path)) allowed.push(method);
      } catch {
        return []; // a path the router cannot read (a malformed %-escape) is routed for nothing
      }
    }
    return allowed;
  }
}
