import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type QueryRunner } from 'typeorm';

interface AmbientTransaction {
  runner: QueryRunner;
  /** False once the transaction ended: a callback that outlives it gets a connection of its own. */
  open: boolean;
}

const ambient = new AsyncLocalStorage<AmbientTransaction>();
/**
 * Transactions open in this process. When none is, the storage is switched off: on Node 20 an
 * enabled AsyncLocalStorage runs async hooks on every promise and callback of the process (see
 * common/logging/request-context.ts), and ambient.run() switches it on again.
 */
let openTransactions = 0;

/** The connection of the transaction the caller runs in (Transactions.run), if any. */
export function ambientQueryRunner(): QueryRunner | undefined {
  const current = ambient.getStore();
  return current?.open ? current.runner : undefined;
}

/**
 * The application's DataSource. Inside `Transactions.run()` every query (repositories, query
 * builders, `dataSource.query`, nested `manager.transaction()` as a savepoint) goes through the
 * transaction's one connection, so code written without a transaction in mind joins it, and a
 * pool of one connection (the embedded database) cannot deadlock on a second one.
 */
export class AppDataSource extends DataSource {
  override createQueryRunner(mode?: Parameters<DataSource['createQueryRunner']>[0]): QueryRunner {
    return ambientQueryRunner() ?? super.createQueryRunner(mode);
  }
}

export interface TransactionOptions {
  /**
   * Errors that are a decided outcome rather than a failure: what was written before them is
   * committed (a replayed code stays consumed and its tokens revoked). Anything else rolls back.
   */
  commitOn?: (error: unknown) => boolean;
}

/** Runs work that writes more than one row as one transaction: all of it is committed, or none. */
@Injectable()
export class Transactions {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async run<T>(work: () => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    if (ambient.getStore()?.open) return work(); // joins the enclosing transaction
    const runner = this.dataSource.createQueryRunner();
    const release = runner.release.bind(runner);
    // Every query inside borrows this runner; only this method gives it back to the pool.
    runner.release = async () => undefined;
    const context: AmbientTransaction = { runner, open: true };
    openTransactions++;
    try {
      await runner.startTransaction();
      let result: T;
      try {
        result = await ambient.run(context, work);
      } catch (error) {
        if (options.commitOn?.(error)) await runner.commitTransaction();
        else await runner.rollbackTransaction().catch(() => undefined);
        throw error;
      }
      await runner.commitTransaction();
      return result;
    } finally {
      context.open = false;
      if (--openTransactions === 0) ambient.disable();
      await release().catch(() => undefined);
    }
  }
}
