import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry, type Registry } from 'prom-client';

/**
 * With WORKERS > 1 every worker counts its own requests, and a scrape reaches one of them. The
 * worker that gets GET /metrics asks the primary, which collects every worker's registry with
 * prom-client's AggregatorRegistry (counters and histograms summed) and sends the text back.
 */
export interface MetricsRequest {
  iis: 'metrics-request';
  id: string;
}

export interface MetricsResponse {
  iis: 'metrics-response';
  id: string;
  text?: string;
  error?: string;
}

const isMetricsRequest = (m: unknown): m is MetricsRequest => (m as MetricsRequest | null)?.iis === 'metrics-request' && typeof (m as MetricsRequest).id === 'string';
const isMetricsResponse = (m: unknown): m is MetricsResponse => (m as MetricsResponse | null)?.iis === 'metrics-response' && typeof (m as MetricsResponse).id === 'string';

/** What the primary needs of a worker: node's cluster.Worker, or a fake in tests. */
export interface WorkerChannel {
  send(message: MetricsResponse): unknown;
}

/** In the cluster primary: answers each worker's metrics request with the sum over all workers. */
export function serveClusterMetrics(): void {
  cluster.on('message', metricsRequestHandler());
}

/** The primary's handler of a worker's message; `aggregate` collects and sums every worker's registry. */
export function metricsRequestHandler(aggregate: () => Promise<string> = aggregatorOf()): (worker: WorkerChannel, message: unknown) => void {
  return (worker, message) => {
    if (!isMetricsRequest(message)) return;
    aggregate().then(
      (text) => worker.send({ iis: 'metrics-response', id: message.id, text }),
      (e: Error) => worker.send({ iis: 'metrics-response', id: message.id, error: e.message }),
    );
  };
}

function aggregatorOf(): () => Promise<string> {
  let aggregator: { clusterMetrics(): Promise<string> } | undefined;
  return () => (aggregator ??= new AggregatorRegistry()).clusterMetrics();
}

/** In a worker: lets the primary's AggregatorRegistry read this registry. No-op outside a cluster. */
export function shareWithCluster(registry: Registry): void {
  if (!cluster.isWorker) return;
  new AggregatorRegistry(); // installs prom-client's worker-side listener
  AggregatorRegistry.setRegistries([registry]);
}

/** What a worker needs of its process: node's process, or a fake in tests. */
export interface PrimaryChannel {
  send?(message: MetricsRequest): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
}

/** In a worker: the metrics of every worker, from the primary. */
export function clusterMetrics(channel: PrimaryChannel = process as unknown as PrimaryChannel, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const id = randomUUID();
    const finish = () => {
      clearTimeout(timer);
      channel.off('message', onMessage);
    };
    const onMessage = (message: unknown) => {
      if (!isMetricsResponse(message) || message.id !== id) return;
      finish();
      if (message.text !== undefined) resolve(message.text);
      else reject(new Error(message.error ?? 'no metrics'));
    };
    const timer = setTimeout(() => {
      finish();
      reject(new Error('the cluster primary did not answer'));
    }, timeoutMs);
    channel.on('message', onMessage);
    channel.send!({ iis: 'metrics-request', id });
  });
}
