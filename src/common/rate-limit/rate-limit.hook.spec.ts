import { DEFAULT_INSTANCE_SETTINGS } from '../../modules/instances/instance.types';
import type { Tenant } from '../tenant/tenant';
import { RateLimits } from './rate-limit.hook';
import type { RateLimitedRequest } from './rate-limit.rules';

const tenant = (settings: Partial<typeof DEFAULT_INSTANCE_SETTINGS> = {}) =>
  ({ id: '00000000-0000-4000-8000-000000000001', settings: { ...DEFAULT_INSTANCE_SETTINGS, ...settings } }) as unknown as Tenant;

const request = (t: Tenant, url: string, body: Record<string, string>, ip = '203.0.113.7'): RateLimitedRequest => ({ tenant: t, method: 'POST', routeOptions: { url }, ip, headers: {}, body });

/** Every key the limits hold, whatever rule (LocalStore's LRU, toad-cache's LruMap). */
function storedKeys(limits: RateLimits): string[] {
  const counters = (limits as unknown as { counters: { store: { lru: { items: Map<string, unknown> } } }[] }).counters;
  return counters.flatMap(({ store }) => [...store.lru.items.keys()]);
}

describe('RateLimits', () => {
  it('refuses the request past the instance limit, per client and address, with the seconds left in the window', () => {
    const t = tenant({ TokenRateLimitPerClient: 2, TokenRateLimitPerIp: 100, RateLimitWindowSeconds: 60 });
    const limits = new RateLimits();
    const token = (clientId: string, ip?: string) => limits.check(request(t, '/id/connect/token', { client_id: clientId }, ip));
    expect(token('app')).toBeUndefined();
    expect(token('app')).toBeUndefined();
    expect(token('app')).toEqual({ retryAfter: 60, response: 'oauth' });
    expect(token('other')).toBeUndefined();
    expect(token('app', '198.51.100.1')).toBeUndefined();
  });

  it('never keeps a sign-in username as typed, only its hash', () => {
    const limits = new RateLimits();
    limits.check(request(tenant(), '/id/account/login', { username: 'Correct-Horse-Battery' }));
    const keys = storedKeys(limits);
    expect(keys.length).toBe(2); // per address, per account
    expect(keys.some((k) => k.toLowerCase().includes('correct-horse-battery'))).toBe(false);
  });

  it('keeps a short client key as it is and a long one as a bounded hash, counted apart', () => {
    const t = tenant({ TokenRateLimitPerClient: 1 });
    const limits = new RateLimits();
    const long = 'x'.repeat(5000);
    expect(limits.check(request(t, '/id/connect/token', { client_id: long }))).toBeUndefined();
    expect(limits.check(request(t, '/id/connect/token', { client_id: 'app' }))).toBeUndefined();
    expect(limits.check(request(t, '/id/connect/token', { client_id: long }))).toBeDefined();
    const keys = storedKeys(limits);
    expect(keys).toContain(`${t.id} POST /id/connect/token app 203.0.113.7`);
    expect(Math.max(...keys.map((k) => k.length))).toBeLessThanOrEqual(200);
  });
});
