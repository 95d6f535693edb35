import { Controller, Get, Header, HttpCode, Res } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyReply } from 'fastify';
import type { DataSource } from 'typeorm';

/** A readiness probe answers within this, whatever the database does. */
const READY_TIMEOUT_MS = 2_000;
const UNDEFINED_TABLE = '42P01';

/**
 * Liveness and readiness on every host, for load balancers and orchestrators. Live: the process
 * answers (never touches the database, so an outage does not get healthy nodes restarted).
 * Ready: the database answers and every migration this build knows is applied.
 */
@Controller()
export class HealthController {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  @Get('healthz')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  live() {
    return { status: 'ok' };
  }

  @Get('readyz')
  @Header('Cache-Control', 'no-store')
  async ready(@Res() reply: FastifyReply) {
    const reason = await withTimeout(this.notReadyReason(), READY_TIMEOUT_MS, 'database unreachable');
    if (reason) return reply.code(503).send({ status: 'not_ready', reason });
    return reply.code(200).send({ status: 'ready' });
  }

  /** One query, so a probe cannot hold a pooled connection it fails to give back (as showMigrations() can). */
  private async notReadyReason(): Promise<string | undefined> {
    const table = this.dataSource.options.migrationsTableName ?? 'migrations';
    let rows: { name: string }[];
    try {
      rows = await this.dataSource.query(`SELECT name FROM "${table}"`);
    } catch (e) {
      return (e as { code?: string }).code === UNDEFINED_TABLE ? 'migrations pending' : 'database unreachable';
    }
    const applied = new Set(rows.map((r) => r.name));
    const known = this.dataSource.migrations.map((m) => m.name ?? m.constructor.name);
    return known.every((name) => applied.has(name)) ? undefined : 'migrations pending';
  }
}

function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: T): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<T>((resolve) => (timer = setTimeout(() => resolve(onTimeout), ms)));
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
