import { sha256 } from '@app/oauth-core';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { Clock } from '../../common/crypto/clock';
import { randomHexId, randomToken } from '../../common/crypto/random';
import type { Tenant } from '../../common/tenant/tenant';
import { UsersService } from '../users/users.service';
import { SessionEntity } from './session.entity';

const sha256Hex = (v: string) => sha256(v, 'hex');
/** last_seen_at is written at most this often, so that a busy session costs no write per request. */
const TOUCH_INTERVAL_MS = 60_000;

export interface NewSession {
  userId: string;
  amr: string[];
  idp: string;
  tid?: string | null;
  upstreamIssuer?: string | null;
  upstreamSid?: string | null;
  upstreamIdToken?: string | null;
}

/**
 * Server-side sessions: they survive restarts and are shared by every node on the database.
 * A session belongs to an active user: deactivating the user ends it for good (reactivating them
 * does not bring it back).
 */
@Injectable()
export class SessionsService {
  constructor(
    @InjectRepository(SessionEntity) private readonly sessions: Repository<SessionEntity>,
    private readonly users: UsersService,
    private readonly clock: Clock,
  ) {}

  /** Creates a session; returns it with the cookie value, which is never stored. */
  async create(tenant: Tenant, input: NewSession): Promise<{ session: SessionEntity; cookieValue: string }> {
    const now = this.clock.now();
    const cookieValue = randomToken(32);
    const session = await this.sessions.save(
      this.sessions.create({
        instanceId: tenant.id,
        sid: randomHexId(16),
        cookieHash: sha256Hex(cookieValue),
        userId: input.userId,
        authTime: now,
        amr: input.amr,
        idp: input.idp,
        tid: input.tid ?? null,
        upstreamIssuer: input.upstreamIssuer ?? null,
        upstreamSid: input.upstreamSid ?? null,
        upstreamIdToken: input.upstreamIdToken ?? null,
        origin: tenant.origin,
        lastSeenAt: now,
        expiresAt: new Date(now.getTime() + tenant.settings.SessionAbsoluteLifetime * 1000),
      }),
      // One INSERT needs no transaction around it (TypeORM's save would add BEGIN and COMMIT).
      { transaction: false },
    );
    return { session, cookieValue };
  }

  /**
   * The live session this cookie names at this instance, or null (ended, idle too long, expired,
   * other instance). A session whose user is inactive or gone is ended here and is no session.
   */
  async findByCookie(tenant: Tenant, cookieValue: string | undefined): Promise<SessionEntity | null> {
    if (!cookieValue) return null;
    const session = await this.sessions.findOne({ where: { instanceId: tenant.id, cookieHash: sha256Hex(cookieValue), endedAt: IsNull() } });
    if (!session) return null;
    const now = this.clock.now().getTime();
    if (now >= session.expiresAt.getTime()) return null;
    if (now >= session.lastSeenAt.getTime() + tenant.settings.SessionIdleTimeout * 1000) return null;
    const user = await this.users.findById(tenant.id, session.userId);
    if (!user || !user.active) {
      await this.end(tenant, session);
      return null;
    }
    if (now - session.lastSeenAt.getTime() > TOUCH_INTERVAL_MS) {
      session.lastSeenAt = new Date(now);
      await this.sessions.update({ id: session.id }, { lastSeenAt: session.lastSeenAt });
    }
    return session;
  }

  /** A fresh authentication within the same session: new auth_time and amr, same sid. */
  async reauthenticate(tenant: Tenant, session: SessionEntity, amr: string[]): Promise<SessionEntity> {
    const now = this.clock.now();
    await this.sessions.update({ id: session.id, instanceId: tenant.id }, { authTime: now, amr, lastSeenAt: now });
    return Object.assign(session, { authTime: now, amr, lastSeenAt: now });
  }

  /** Live sessions that a federated sign-in opened from this upstream session. */
  findByUpstream(tenant: Tenant, upstreamIssuer: string, upstreamSid: string): Promise<SessionEntity[]> {
    return this.sessions.find({ where: { instanceId: tenant.id, upstreamIssuer, upstreamSid, endedAt: IsNull() } });
  }

  /**
   * Ends every live session of the user but `keep`, in one statement (inside the caller's
   * transaction, if any); returns what announcing them needs (id, sid, user, origin).
   */
  async endAllOf(instanceId: string, userId: string, keep?: string): Promise<SessionEntity[]> {
    const rows: { id: string; sid: string; user_id: string; origin: string | null }[] = await this.sessions.query(
      `UPDATE sessions SET ended_at = $4 WHERE instance_id = $1 AND user_id = $2 AND ended_at IS NULL AND id IS DISTINCT FROM $3
       RETURNING id, sid, user_id, origin`,
      [instanceId, userId, keep ?? null, this.clock.now()],
    );
    // TypeORM's postgres driver answers an UPDATE … RETURNING as [rows, affected].
    const ended = (Array.isArray(rows[0]) ? rows[0] : rows) as typeof rows;
    return ended.map((r) => this.sessions.create({ id: r.id, sid: r.sid, instanceId, userId: r.user_id, origin: r.origin }));
  }

  /** The user's sessions that have not ended. */
  liveOf(instanceId: string, userId: string): Promise<SessionEntity[]> {
    return this.sessions.find({ where: { instanceId, userId, endedAt: IsNull() } });
  }

  async findBySid(tenant: Tenant, sid: string): Promise<SessionEntity | null> {
    return this.sessions.findOne({ where: { instanceId: tenant.id, sid } });
  }

  /** Records that an application received tokens from this session, for single sign-out. */
  async addParticipant(session: SessionEntity, applicationUri: string): Promise<void> {
    await this.sessions.query(
      'INSERT INTO session_participants (session_id, application_uri) VALUES ($1, $2) ON CONFLICT DO NOTHING',
      [session.id, applicationUri],
    );
  }

  async participants(session: SessionEntity): Promise<string[]> {
    const rows: { application_uri: string }[] = await this.sessions.query('SELECT application_uri FROM session_participants WHERE session_id = $1 ORDER BY created_at', [session.id]);
    return rows.map((r) => r.application_uri);
  }

  /** Ends the session; true when this call ended it (a second end is a no-op). */
  async end(tenant: Tenant, session: SessionEntity): Promise<boolean> {
    const result = await this.sessions.update({ id: session.id, instanceId: tenant.id, endedAt: IsNull() }, { endedAt: this.clock.now() });
    return (result.affected ?? 0) > 0;
  }
}
