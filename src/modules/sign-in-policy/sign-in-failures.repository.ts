import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

// Note: for INSERT/UPDATE … RETURNING through DataSource.query, TypeORM's postgres driver answers
// rows for INSERT … ON CONFLICT and [rows, affectedCount] for UPDATE.

/** The failure counter of an account, whichever of its names (Login or Email) was typed. */
export const userSubject = (userId: string) => `user:${userId}`;

export type LockState = 'none' | 'counting' | 'locked';

export interface FailureState {
  failures: number;
  lockedUntil: Date | null;
}

/**
 * Failed sign-ins per (instance, subject), in the database so that every node sees the same
 * count. Every change is one statement, so concurrent attempts on several nodes cannot lose a
 * failure or skip the lock. Times are the database's, one clock for all nodes.
 */
@Injectable()
export class SignInFailuresRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Whether the subject is locked now, has failures counted ('counting'), or none at all. */
  async lockState(instanceId: string, subject: string): Promise<LockState> {
    const [row] = await this.db.query(`SELECT locked_until > now() AS locked FROM sign_in_failures WHERE instance_id = $1 AND subject = $2`, [instanceId, subject]);
    if (!row) return 'none';
    return row.locked === true ? 'locked' : 'counting';
  }

  /**
   * Counts one failure. The count starts again when the previous failure is older than the
   * window or a lock has run out; reaching `maxFailures` locks for `windowSeconds`. Failures
   * while locked are counted but never extend the lock, so an attacker cannot keep an account
   * locked for longer than the policy says by guessing on.
   */
  async recordFailure(instanceId: string, subject: string, userId: string | null, maxFailures: number, windowSeconds: number): Promise<FailureState> {
    const window = `($5::integer * interval '1 second')`;
    const stillLocked = `f.locked_until > now()`;
    const restart = `(f.locked_until IS NOT NULL OR f.last_failed_at <= now() - ${window})`;
    const next = `CASE WHEN ${stillLocked} THEN f.failures + 1 WHEN ${restart} THEN 1 ELSE f.failures + 1 END`;
    const rows = await this.db.query(
      `INSERT INTO sign_in_failures AS f (instance_id, subject, user_id, failures, last_failed_at, locked_until)
       VALUES ($1, $2, $3, 1, now(), CASE WHEN $4::integer = 1 THEN now() + ${window} END)
       ON CONFLICT (instance_id, subject) DO UPDATE SET
         failures = ${next},
         locked_until = CASE WHEN ${stillLocked} THEN f.locked_until WHEN $4::integer > 0 AND ${next} >= $4::integer THEN now() + ${window} ELSE NULL END,
         last_failed_at = now()
       RETURNING failures, locked_until AS "lockedUntil"`,
      [instanceId, subject, userId, maxFailures, windowSeconds],
    );
    return rows[0] as FailureState;
  }

  /** Forgets the subject's failures (a successful sign-in, or an administrator's unlock). */
  async clear(instanceId: string, subject: string): Promise<void> {
    await this.db.query(`DELETE FROM sign_in_failures WHERE instance_id = $1 AND subject = $2`, [instanceId, subject]);
  }

  /** The users among `userIds` that are locked now, with the end of their lock. */
  async lockedUsers(instanceId: string, userIds: string[]): Promise<Map<string, Date>> {
    if (!userIds.length) return new Map();
    const rows: { userId: string; lockedUntil: Date }[] = await this.db.query(
      `SELECT user_id AS "userId", locked_until AS "lockedUntil" FROM sign_in_failures
       WHERE instance_id = $1 AND user_id = ANY($2::uuid[]) AND locked_until > now()`,
      [instanceId, userIds],
    );
    return new Map(rows.map((r) => [r.userId, new Date(r.lockedUntil)]));
  }
}
