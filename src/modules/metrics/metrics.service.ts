import cluster from 'node:cluster';
import { Injectable, OnModuleDestroy } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { clusterMetrics, shareWithCluster } from './cluster-metrics';

/** Seconds; from a cached JWKS answer to a slow database round trip. */
/** Labelled children kept for reuse; beyond it they are made again (a few instances' worth of hashing). */
const MAX_CACHED_CHILDREN = 10_000;

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The server's Prometheus metrics, in a registry of its own (not prom-client's global one, so
 * that two servers in one process never collide). Labels are bounded: the route pattern, never
 * the raw URL; the instance name; a fixed set of grant types and failure reasons.
 */
@Injectable()
export class MetricsService implements OnModuleDestroy {
  readonly registry = new Registry();

  private readonly requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by route pattern, method and status code',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });

  private readonly duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by route pattern and method',
    labelNames: ['route', 'method'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });

  private readonly tokens = new Counter({
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
    const key = `${method} ${route} ${status}`;
    let series = this.series.get(key);
    if (!series) {
      // Bounded: route patterns × methods × status codes.
      series = { count: this.requests.labels(route, method, String(status)), duration: this.duration.labels(route, method) };
      this.series.set(key, series);
    }
    series.count.inc();
    series.duration.observe(seconds);
  }

  /** The labelled children per route, method and status, so that a request does not hash its labels. */
  private readonly series = new Map<string, { count: { inc(): void }; duration: { observe(v: number): void } }>();

  tokenIssued(grantType: string, instance: string): void {
    const key = `${grantType} ${instance}`;
    let issued = this.issued.get(key);
    if (!issued) {
      // Bounded: grant types × instances; past the cap the map starts over.
      if (this.issued.size >= MAX_CACHED_CHILDREN) this.issued.clear();
      this.issued.set(key, (issued = this.tokens.labels(grantType, instance)));
    }
    issued.inc();
  }

  private readonly issued = new Map<string, { inc(): void }>();

  signInFailed(instance: string, reason: string): void {
    this.signInFailures.inc({ instance, reason });
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
