import cluster from 'node:cluster';
import { Injectable, OnModuleDestroy } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { BufferedCounter, BufferedHistogram } from './buffered-metrics';
import { clusterMetrics, shareWithCluster } from './cluster-metrics';

/** Seconds; from a cached JWKS answer to a slow database round trip. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The server's Prometheus metrics, in a registry of its own (not prom-client's global one, so
 * that two servers in one process never collide). Labels are bounded: the route pattern, never
 * the raw URL; the instance name; a fixed set of grant types and failure reasons.
 */
@Injectable()
export class MetricsService implements OnModuleDestroy {
  readonly registry = new Registry();

  // The three counted on every request: see buffered-metrics.ts.
  private readonly requests = new BufferedCounter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by route pattern, method and status code',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });

  private readonly duration = new BufferedHistogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by route pattern and method',
    labelNames: ['route', 'method'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });

  private readonly tokens = new BufferedCounter({
    name: 'tokens_issued_total',
    help: 'Successful token responses, by grant type (implicit and hybrid: from the authorization endpoint) and instance',
    labelNames: ['grant_type', 'instance'] as const,
    registers: [this.registry],
  });

  private readonly signInFailures = new Counter({
    name: 'sign_in_failures_total',
    help: 'Refused sign-in attempts, by instance and reason',
    labelNames: ['instance', 'reason'] as const,
    registers: [this.registry],
  });

  private readonly purged = new Counter({
    name: 'housekeeping_deleted_rows_total',
    help: 'Expired rows deleted by housekeeping, by table',
    labelNames: ['table'] as const,
    registers: [this.registry],
  });

  private readonly lastPurge = new Gauge({
    name: 'housekeeping_last_run_timestamp_seconds',
    help: 'When housekeeping last finished a purge (Unix time); alert when it falls far behind HOUSEKEEPING_INTERVAL_SECONDS',
    registers: [this.registry],
    // Across a node's workers: the latest of them.
    aggregator: 'max',
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    shareWithCluster(this.registry);
  }

  /** Fastify onResponse hook: one observation per answered request, labelled by its route pattern. */
  readonly onResponse = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    this.requestAnswered(request.routeOptions?.url ?? 'unmatched', request.method, reply.statusCode, reply.elapsedTime / 1000);
  };

  /** One answered request (the onResponse hook's, and the fast lane's, which has no Fastify reply). */
  requestAnswered(route: string, method: string, status: number, seconds: number): void {
    // Bounded: route patterns × methods × status codes.
    const key = `${method} ${route}`;
    this.requests.inc(`${key} ${status}`, () => ({ route, method, status: String(status) }));
    this.duration.observe(key, () => ({ route, method }), seconds);
  }

  tokenIssued(grantType: string, instance: string): void {
    // Bounded: grant types × instances.
    this.tokens.inc(`${grantType} ${instance}`, () => ({ grant_type: grantType, instance }));
  }

  signInFailed(instance: string, reason: string): void {
    this.signInFailures.inc({ instance, reason });
  }

  rowsPurged(table: string, count: number): void {
    this.purged.inc({ table }, count);
  }

  purgeFinished(at: Date): void {
    this.lastPurge.set(at.getTime() / 1000);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** This process's metrics, or, in a cluster worker, the sum over every worker (see cluster-metrics.ts). */
  metrics(): Promise<string> {
    return cluster.isWorker && process.send ? clusterMetrics() : this.registry.metrics();
  }

  onModuleDestroy(): void {
    this.registry.clear();
  }
}
