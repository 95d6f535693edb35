import type { Strategy } from 'passport';

export type StrategyOutcome =
  | { kind: 'redirect'; url: string }
  | { kind: 'success'; user: unknown }
  | { kind: 'fail'; info: unknown };

/** What a passport strategy reads of a request; `session` is where it keeps state between the two legs. */
export interface StrategyRequest {
  method: string;
  url: string;
  body?: unknown;
  session: Record<string, unknown>;
}

/**
 * Runs one passport strategy step outside Express: the same augmentation passport.authenticate()
 * performs (redirect/success/fail/error on a per-request copy of the strategy), as a promise.
 * It lets one strategy instance per instance and upstream serve every request, with the tenant
 * passed explicitly instead of through a global passport registry.
 */
export function runStrategy(strategy: Strategy, req: StrategyRequest, options: Record<string, unknown> = {}): Promise<StrategyOutcome> {
  return new Promise((resolve, reject) => {
    const step = Object.create(strategy) as Strategy & {
      redirect(url: string): void;
      success(user: unknown): void;
      fail(info: unknown): void;
      error(err: Error): void;
      pass(): void;
    };
    step.redirect = (url) => resolve({ kind: 'redirect', url });
    step.success = (user) => resolve({ kind: 'success', user });
    step.fail = (info) => resolve({ kind: 'fail', info });
    step.error = (err) => reject(err);
    step.pass = () => resolve({ kind: 'fail', info: 'pass' });
    (step.authenticate as (req: unknown, options: unknown) => void).call(step, req, options);
  });
}
