import { AggregatorRegistry, Counter, Histogram, Registry } from 'prom-client';
import { BufferedCounter, BufferedHistogram } from './buffered-metrics';

const BUCKETS = [0.005, 0.01, 0.1, 1];
const config = { name: 'http_request_duration_seconds', help: 'Time to answer', labelNames: ['route', 'method'] as const, buckets: BUCKETS };

describe('BufferedHistogram', () => {
  it('reads exactly as prom-client\'s Histogram with the same observations', async () => {
    const theirs = new Registry();
    const ours = new Registry();
    const reference = new Histogram({ ...config, registers: [theirs] });
    const buffered = new BufferedHistogram({ ...config, registers: [ours] });
    const observations: [string, string, number][] = [['/id/connect/token', 'POST', 0.002], ['/id/connect/token', 'POST', 0.01], ['/id/connect/token', 'POST', 3], ['/jwks', 'GET', 0.05]];
    for (const [route, method, value] of observations) {
      reference.observe({ route, method }, value);
      buffered.observe(`${method} ${route}`, () => ({ route, method }), value);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.metrics()).toContain('http_request_duration_seconds_bucket{le="0.01",route="/id/connect/token",method="POST"} 2');
    ours.resetMetrics();
    expect(await ours.metrics()).not.toContain('_bucket');
  });

  it('is summed across workers by AggregatorRegistry like any histogram', async () => {
    const workers = [new Registry(), new Registry()];
    const histograms = workers.map((registry) => new BufferedHistogram({ ...config, registers: [registry] }));
    histograms[0].observe('GET /jwks', () => ({ route: '/jwks', method: 'GET' }), 0.003);
    histograms[1].observe('GET /jwks', () => ({ route: '/jwks', method: 'GET' }), 0.5);
    const text = await AggregatorRegistry.aggregate(await Promise.all(workers.map((r) => r.getMetricsAsJSON()))).metrics();
    expect(text).toContain('http_request_duration_seconds_bucket{le="0.005",route="/jwks",method="GET"} 1');
    expect(text).toContain('http_request_duration_seconds_bucket{le="+Inf",route="/jwks",method="GET"} 2');
    expect(text).toContain('http_request_duration_seconds_count{route="/jwks",method="GET"} 2');
  });
});

describe('BufferedCounter', () => {
  const counterConfig = { name: 'tokens_issued_total', help: 'Tokens', labelNames: ['grant_type', 'instance'] as const };

  it('counts as prom-client\'s Counter, each increment once however often it is scraped', async () => {
    const theirs = new Registry();
    const ours = new Registry();
    const reference = new Counter({ ...counterConfig, registers: [theirs] });
    const buffered = new BufferedCounter({ ...counterConfig, registers: [ours] });
    const issue = (grant_type: string, instance: string) => {
      reference.inc({ grant_type, instance });
      buffered.inc(`${grant_type} ${instance}`, () => ({ grant_type, instance }));
    };
    issue('client_credentials', 'a');
    issue('client_credentials', 'a');
    issue('refresh_token', 'b');
    expect(await ours.metrics()).toBe(await theirs.metrics());
    issue('client_credentials', 'a');
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.metrics()).toContain('tokens_issued_total{grant_type="client_credentials",instance="a"} 3');
  });

  it('keeps the counts of the series it forgets when past its bound', async () => {
    const registry = new Registry();
    const counter = new BufferedCounter({ ...counterConfig, registers: [registry] });
    for (let i = 0; i < 10_001; i++) counter.inc(`x ${i}`, () => ({ grant_type: 'x', instance: String(i) }));
    counter.inc('x 0', () => ({ grant_type: 'x', instance: '0' }));
    const text = await registry.metrics();
    expect(text).toContain('tokens_issued_total{grant_type="x",instance="0"} 2');
    expect(text).toContain('tokens_issued_total{grant_type="x",instance="10000"} 1');
  });
});
