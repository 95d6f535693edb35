import type { Logger as Pino } from 'pino';
// nestjs-pino's request scope: its PinoLogger (behind every `new Logger(context)`) logs through
// the `logger` of the store it finds here. Not exported by the package's index.
import { storage } from 'nestjs-pino/storage';

/** nestjs-pino's Store with the request's child logger made on first use: most requests log nothing. */
class LazyStore {
  private child?: Pino;
  readonly responseLogger = undefined;

  constructor(
    private readonly root: Pino,
    private readonly reqId: string,
  ) {}

  get logger(): Pino {
    return (this.child ??= this.root.child({ reqId: this.reqId }));
  }

  set logger(logger: Pino) {
    this.child = logger;
  }
}

/**
 * Runs `fn` as nestjs-pino's middleware runs a request: every line logged within carries
 * `reqId`. For requests that do not go through that middleware (the fast lane).
 */
export function requestLogContext(root: Pino, reqId: string, fn: () => void): void {
  storage.run(new LazyStore(root, reqId) as never, fn);
}
