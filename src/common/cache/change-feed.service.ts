import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { DATABASE_ENDPOINT } from '../../database/database.tokens';
import type { DatabaseEndpoint } from '../../database/data-source-options';

export type ChangeTopic = 'instance' | 'trusted-application' | 'user' | 'keys' | 'reference-token' | 'session';

export interface Change {
  topic: ChangeTopic;
  instanceId: string;
  /** What changed inside the instance (an ApplicationUri, a Login, …) when it matters. */
  key?: string;
}

const CHANNEL = 'iis_changes';

/**
 * Tells every server process that shares the database when cached data changed.
 * A change is applied locally at once and sent to the others with NOTIFY; each process
 * LISTENs on its own connection and reconnects when it drops. Caches keep a short TTL as
 * the safety net for a notification lost while disconnected.
 */
@Injectable()
export class ChangeFeed implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ChangeFeed.name);
  private readonly nodeId = randomUUID();
  private readonly handlers: ((change: Change) => void)[] = [];
  private listener?: Client;
  private stopped = false;
  private reconnectTimer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(DATABASE_ENDPOINT) private readonly endpoint: DatabaseEndpoint,
  ) {}

  subscribe(handler: (change: Change) => void): void {
    this.handlers.push(handler);
  }

  async publish(change: Change): Promise<void> {
    this.deliver(change);
    if (this.endpoint.embedded) return; // one process only
    const payload = JSON.stringify({ ...change, node: this.nodeId });
    await this.dataSource.query('SELECT pg_notify($1, $2)', [CHANNEL, payload]).catch((e: Error) => {
      this.logger.warn(`could not notify other nodes: ${e.message}`);
    });
  }

  async onModuleInit(): Promise<void> {
    if (!this.endpoint.embedded) await this.listen();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    await this.listener?.end().catch(() => undefined);
  }

  private deliver(change: Change): void {
    for (const handler of this.handlers) {
      try {
        handler(change);
      } catch (e) {
        this.logger.error(`cache invalidation failed: ${(e as Error).message}`);
      }
    }
  }

  private async listen(): Promise<void> {
    const client = new Client({ connectionString: this.endpoint.url, connectionTimeoutMillis: 5000 });
    client.on('notification', (msg) => {
      if (!msg.payload) return;
      try {
        const { node, ...change } = JSON.parse(msg.payload) as Change & { node: string };
        if (node !== this.nodeId) this.deliver(change);
      } catch {
        this.logger.warn('ignored a malformed change notification');
      }
    });
    client.on('error', () => this.scheduleReconnect(client));
    client.on('end', () => this.scheduleReconnect(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      this.listener = client;
    } catch (e) {
      this.logger.warn(`LISTEN failed, retrying: ${(e as Error).message}`);
      this.scheduleReconnect(client);
    }
  }

  private scheduleReconnect(client: Client): void {
    if (this.stopped || this.reconnectTimer) return;
    client.removeAllListeners();
    client.end().catch(() => undefined);
    this.listener = undefined;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      // Whatever changed while we were deaf is unknown: drop every cached entry.
      this.deliver({ topic: 'instance', instanceId: '*' });
      void this.listen();
    }, 1000);
    this.reconnectTimer.unref();
  }
}
