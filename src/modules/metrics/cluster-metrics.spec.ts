import { EventEmitter } from 'node:events';
import { clusterMetrics, metricsRequestHandler, type MetricsResponse, type PrimaryChannel } from './cluster-metrics';

/** A worker's process and the primary's view of that worker, joined by an in-memory channel. */
function channelPair(primary: (worker: { send(m: MetricsResponse): void }, message: unknown) => void): PrimaryChannel & { sent: unknown[] } {
  const events = new EventEmitter();
  const worker = { send: (m: MetricsResponse) => setImmediate(() => events.emit('message', m)) };
  const sent: unknown[] = [];
  return {
    sent,
    send(message) {
      sent.push(message);
      setImmediate(() => primary(worker, message));
    },
    on: (event, listener) => events.on(event, listener),
    off: (event, listener) => events.off(event, listener),
  };
}

describe('cluster metrics', () => {
  it('a worker gets the sum that the primary aggregates', async () => {
    const onMessage = metricsRequestHandler(async () => 'http_requests_total 7\n');
    const sut = channelPair(onMessage);
    await expect(clusterMetrics(sut, 1000)).resolves.toBe('http_requests_total 7\n');
    expect(sut.sent).toEqual([{ iis: 'metrics-request', id: expect.any(String) }]);
  });

  it('the aggregation failing (a worker that does not answer) is an error, not a partial sum', async () => {
    const sut = channelPair(metricsRequestHandler(async () => Promise.reject(new Error('Operation timed out.'))));
    await expect(clusterMetrics(sut, 1000)).rejects.toThrow('Operation timed out.');
  });

  it('gives up when the primary does not answer, and ignores answers to other requests', async () => {
    const events = new EventEmitter();
    const channel: PrimaryChannel = {
      send: () => setImmediate(() => events.emit('message', { iis: 'metrics-response', id: 'someone-else', text: 'x' })),
      on: (e, l) => events.on(e, l),
      off: (e, l) => events.off(e, l),
    };
    await expect(clusterMetrics(channel, 50)).rejects.toThrow('did not answer');
    expect(events.listenerCount('message')).toBe(0);
  });

  it('the primary ignores other messages', () => {
    const aggregate = jest.fn();
    const onMessage = metricsRequestHandler(aggregate);
    onMessage({ send: jest.fn() }, { iis: 'change', payload: '{}' });
    onMessage({ send: jest.fn() }, null);
    expect(aggregate).not.toHaveBeenCalled();
  });
});
