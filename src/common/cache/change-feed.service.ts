import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { isClusterMessage, type PrimaryMessage, type WorkerMessage } from '../../cluster/ipc';
import type { CountEntry, CountsChannel } from '../rate-limit/shared-counts';
import { DATABASE_ENDPOINT } from '../../database/database.tokens';
import { CONNECT_TIMEOUT_MS, type DatabaseEndpoint } from '../../database/data-source-options';

export type ChangeTopic = 'instance' | 'trusted-application' | 'user' | 'keys' | 'reference-token' | 'access-token-revocation' | 'session';

export interface Change {
  topic: ChangeTopic;
  instanceId: string;
  /** What changed inside the instance (an ApplicationUri, a Login, …) when it matters. */
  key?: string;
}

const CHANNEL = 'iis_changes';
/** The rate-limit counts travel on a channel of their own: they are not changes, and arrive ten times a second. */
export const COUNTS_CHANNEL = 'iis_rate_limit_counts';
/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more; reports of counts are split below it. */
const MAX_PAYLOAD_BYTES = 7_900;
const MAX_COUNTS_IN_FLIGHT = 8;
const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 5_000;

/** Everything cached may be stale: every subscriber drops all its entries. */
const EVERYTHING: Change = { topic: 'instance', instanceId: '*' };

/**
 * Tells every server process that shares the database when cached data changed, and carries the
 * rate-limit counts each reports (SharedCounts). A change is applied locally at once and sent to the others:
 * - on PostgreSQL with NOTIFY; each process LISTENs on a connection of its own and reconnects
 *   when it drops, then drops every cached entry, since it cannot know what it missed;
 * - on the embedded database, which only the processes of one cluster share, through the
 *   cluster primary (IPC), which relays to every other worker;
 * - a single process on the embedded database has no one to tell.
 * Caches keep a short TTL as the safety net for a notification that is lost anyway.
 */
@Injectable()
export class ChangeFeed implements OnModuleInit, OnApplicationShutdown, CountsChannel {
  private readonly logger = new Logger(ChangeFeed.name);
  private readonly nodeId = randomUUID();
  private readonly handlers: ((change: Change) => void)[] = [];
  private readonly countHandlers: ((entries: readonly unknown[]) => void)[] = [];
  private countsInFlight = 0;
  private readonly transport: 'notify' | 'ipc' | 'none';
  private listener?: Client;
  private stopped = false;
  private reconnectTimer?: NodeJS.Timeout;
  private reconnectDelay = RECONNECT_MIN_MS;
  private listening = false;
  private readonly onIpc = (message: unknown) => {
    if (isClusterMessage<PrimaryMessage>(message) && message.iis === 'change') this.receive(message.payload);
  };

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(DATABASE_ENDPOINT) private readonly endpoint: DatabaseEndpoint,
  ) {
    this.transport = !endpoint.embedded ? 'notify' : cluster.isWorker && process.send ? 'ipc' : 'none';
  }

  subscribe(handler: (change: Change) => void): void {
    this.handlers.push(handler);
  }

  /** Whether there can be other processes to tell (a single process on the embedded database has none). */
  get sharing(): boolean {
    return this.transport !== 'none';
  }

  async publish(change: Change): Promise<void> {
    this.deliver(change);
    await this.send(JSON.stringify({ ...change, node: this.nodeId }));
  }

  subscribeCounts(handler: (entries: readonly unknown[]) => void): void {
    this.countHandlers.push(handler);
  }

  /**
   * Sends this process's rate-limit counts to the others, in as many messages as NOTIFY's payload
   * limit needs. Best effort: a report that is lost leaves a limit a little looser, and is not logged.
   */
  publishCounts(entries: CountEntry[]): void {
    // While the database is slow or gone, reports are dropped rather than queued on the connection.
    if (this.countsInFlight >= MAX_COUNTS_IN_FLIGHT) return;
    const head = `{"node":"${this.nodeId}","counts":[`;
    let items: string[] = [];
    let size = head.length + 2;
    for (const entry of entries) {
      const item = JSON.stringify(entry);
      const bytes = Buffer.byteLength(item) + 1;
      if (items.length && size + bytes > MAX_PAYLOAD_BYTES) {
        this.sendCounts(`${head}${items.join(',')}]}`);
        items = [];
        size = head.length + 2;
      }
      items.push(item);
      size += bytes;
    }
    if (items.length) this.sendCounts(`${head}${items.join(',')}]}`);
  }

  private sendCounts(payload: string): void {
    this.countsInFlight++;
    void this.send(payload, COUNTS_CHANNEL).finally(() => this.countsInFlight--);
  }

  /**
   * Sends `payload` to the other processes. On `COUNTS_CHANNEL` it is best effort, without a
   * warning, and on PostgreSQL it goes through the LISTEN connection, which is otherwise idle, so
   * that the reports never take a pooled connection from a request (none while it reconnects).
   */
  private async send(payload: string, channel = CHANNEL): Promise<void> {
    const counts = channel === COUNTS_CHANNEL;
    if (this.transport === 'ipc') {
      if (!process.connected) return; // the primary is gone; this worker is shutting down
      process.send!({ iis: 'change', payload } satisfies WorkerMessage, undefined, undefined, (e: Error | null) => {
        if (e && !counts) this.logger.warn(`could not tell the other workers: ${e.message}`);
      });
    } else if (counts) {
      await this.listener?.query('SELECT pg_notify($1, $2)', [channel, payload]).catch(() => undefined);
    } else if (this.transport === 'notify') {
      await this.dataSource.query('SELECT pg_notify($1, $2)', [channel, payload]).catch((e: Error) => {
        this.logger.warn(`could not notify other nodes: ${e.message}`);
      });
    }
  }

  async onModuleInit(): Promise<void> {
    if (this.transport === 'notify') await this.listen();
    if (this.transport === 'ipc') process.on('message', this.onIpc);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    process.off('message', this.onIpc);
    const listener = this.listener;
    this.listener = undefined;
    listener?.removeAllListeners();
    listener?.on('error', () => undefined);
    await listener?.end().catch(() => undefined);
  }

  private receive(payload: string): void {
    try {
      const { node, counts, ...change } = JSON.parse(payload) as Change & { node: string; counts?: unknown };
      if (node === this.nodeId) return;
      if (counts === undefined) this.deliver(change);
      else if (Array.isArray(counts)) for (const handler of this.countHandlers) handler(counts);
    } catch {
      this.logger.warn('ignored a malformed change notification');
    }
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
    const client = new Client({ connectionString: this.endpoint.url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true });
    client.on('notification', (msg) => {
      if (msg.payload) this.receive(msg.payload);
    });
    client.on('error', () => this.scheduleReconnect(client));
    client.on('end', () => this.scheduleReconnect(client));
    const reconnecting = this.reconnectDelay > RECONNECT_MIN_MS;
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}; LISTEN ${COUNTS_CHANNEL}`);
      if (this.stopped) {
        await client.end().catch(() => undefined);
        return;
      }
      this.listener = client;
      this.listening = true;
      this.reconnectDelay = RECONNECT_MIN_MS;
      if (reconnecting) {
        this.logger.log('listening for changes again');
        // Whatever changed while this process was deaf is unknown.
        this.deliver(EVERYTHING);
      }
    } catch (e) {
      if (!reconnecting) this.logger.warn(`LISTEN failed, retrying: ${(e as Error).message}`);
      this.scheduleReconnect(client);
    }
  }

  private scheduleReconnect(client: Client): void {
    if (this.stopped || this.reconnectTimer) return;
    if (this.listening) this.logger.warn('lost the change notification connection; reconnecting');
    this.listening = false;
    client.removeAllListeners();
    client.on('error', () => undefined);
    client.end().catch(() => undefined);
    if (this.listener === client) this.listener = undefined;
    // Cached entries keep serving meanwhile: they are dropped once listening again, and the TTL
    // bounds how stale they get until then.
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(RECONNECT_MAX_MS, this.reconnectDelay * 2);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.listen();
    }, delay);
    this.reconnectTimer.unref();
  }
}
