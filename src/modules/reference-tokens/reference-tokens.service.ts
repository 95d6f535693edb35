import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { formatScope, parseScope, scopesOutside } from '@app/oauth-core';
import { invalidInput, notFound } from '../../common/admin/admin.exception';
import { ChangeFeed, type Change } from '../../common/cache/change-feed.service';
import { dropInstanceEntries, InstanceKeyedCache } from '../../common/cache/instance-keys';
import { Clock } from '../../common/crypto/clock';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import type { InstanceRecord, Tenant } from '../../common/tenant/tenant';
import type { TrustedApplicationEntity } from '../trusted-applications/trusted-application.entity';
import { TrustedApplicationsService } from '../trusted-applications/trusted-applications.service';
import type { UserEntity } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import type { ReferenceTokenCreateDto } from './dto/reference-token.dto';
import { POLICY_MESSAGES, referenceTokenPolicyViolation, type PolicyViolation } from './reference-token-policy';
import { generateReferenceToken, hashReferenceToken, isReferenceTokenFormat, sameTokenHash } from './reference-token-secret';
import { ReferenceTokenEntity } from './reference-token.entity';

/** last_used_at is written at most this often per token, so that use costs no write per request. */
export const LAST_USED_RESOLUTION_MS = 60_000;
/** How long a value that matches no token is remembered as such. */
const NOT_FOUND_TTL_MS = 5_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A reference token that works right now, with what it acts for. */
export interface ActiveReferenceToken {
  token: ReferenceTokenEntity;
  application: TrustedApplicationEntity;
  user: UserEntity;
  /** The issued scope, narrowed to the application's current Scope. */
  scope: string[];
}

/** A token row as this process remembers it: never the token itself. */
interface CachedToken {
  /** The row without its hash or relations; shared by every hit, so never changed. */
  row: ReferenceTokenEntity;
  /** sha256(token) as stored, compared again in constant time on every hit. */
  tokenHash: string;
  /** The application's client_id, to find it in TrustedApplicationsService's cache. */
  applicationUri: string;
  /** When this process last knows last_used_at to have been written (ms since the epoch, 0: never). */
  lastUsedMs: number;
}

/**
 * Reference tokens (PAT/SAT): issued and revoked through the admin API, looked up by their hash.
 *
 * Each process caches the token row (keyed by instance and sha256(token), never the token) for
 * CACHE_TTL_SECONDS, and a value that matches no token for a few seconds. The application and
 * the user are not part of that entry: they come from TrustedApplicationsService's and
 * UsersService's own caches on every use, so disabling the application, deactivating the user or
 * changing either is honoured as soon as those caches are (at once, on every process). Every
 * revocation (admin API or RFC 7009) and every issue publishes a 'reference-token' change, on
 * which every process drops the entry (and its "not found" entries for that instance), so a
 * revoked token is inactive on the next request everywhere; expiry is checked on every use. A
 * lookup that raced with a change is not cached. So the common introspection of a token costs no
 * database round trip; last_used_at is written at most once per LAST_USED_RESOLUTION_MS per
 * process, in the background.
 */
@Injectable()
export class ReferenceTokensService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(ReferenceTokensService.name);
  /** Keyed `${instanceId} ${sha256 hex}`. */
  private readonly cache: InstanceKeyedCache<CachedToken>;
  /** Values that matched no token, keyed like `cache`; short-lived, and bounded on its own so that junk cannot evict real tokens. */
  private readonly missing: InstanceKeyedCache<true>;
  /** Incremented on every change received: a lookup that overlapped one is not cached. */
  private generation = 0;
  /** last_used_at writes in flight, awaited before the database closes. */
  private readonly pendingWrites = new Set<Promise<void>>();

  constructor(
    @InjectRepository(ReferenceTokenEntity) private readonly tokens: Repository<ReferenceTokenEntity>,
    private readonly applications: TrustedApplicationsService,
    private readonly users: UsersService,
    private readonly clock: Clock,
    private readonly changes: ChangeFeed,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    const ttl = Math.max(1, config.cacheTtlSeconds) * 1000;
    this.cache = new InstanceKeyedCache({ max: 100_000, ttl });
    this.missing = new InstanceKeyedCache({ max: 10_000, ttl: Math.min(ttl, NOT_FOUND_TTL_MS) });
  }

  onModuleInit(): void {
    this.changes.subscribe((c) => this.onChange(c));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([...this.pendingWrites]);
  }

  /** Issues a token; the plaintext is returned here only and never stored. */
  async issue(instance: InstanceRecord, dto: ReferenceTokenCreateDto): Promise<{ entity: ReferenceTokenEntity; token: string }> {
    const application = await this.applications.get(instance, dto.ApplicationUri);
    const user = await this.owner(instance, dto, application);
    const violation = referenceTokenPolicyViolation(dto.Kind, application, user);
    if (violation) throw policyError(violation);
    const scope = grantedScope(dto.Scope, application);
    const expiresAt = this.expiry(instance, dto.ExpiresAt);

    const token = generateReferenceToken();
    const entity = await this.tokens.save(
      this.tokens.create({
        instanceId: instance.id,
        kind: dto.Kind,
        tokenHash: hashReferenceToken(token).toString('hex'),
        applicationId: application.id,
        userId: user.id,
        scope,
        description: dto.Description ?? null,
        expiresAt,
        lastUsedAt: null,
        revokedAt: null,
      }),
    );
    delete (entity as Partial<ReferenceTokenEntity>).tokenHash;
    // Nothing can have cached this value as unknown (it did not exist), but say so anyway.
    await this.changes.publish({ topic: 'reference-token', instanceId: instance.id, key: entity.id });
    return { entity: Object.assign(entity, { application, user }), token };
  }

  /** Newest first, revoked and expired ones included, with their application and user. */
  list(instance: InstanceRecord): Promise<ReferenceTokenEntity[]> {
    return this.tokens.find({ where: { instanceId: instance.id }, relations: { application: true, user: true }, order: { createdAt: 'DESC', id: 'ASC' } });
  }

  async get(instance: InstanceRecord, id: string): Promise<ReferenceTokenEntity> {
    const row = UUID.test(id) ? await this.tokens.findOne({ where: { instanceId: instance.id, id }, relations: { application: true, user: true } }) : null;
    if (!row) throw notFound(`reference token '${id.slice(0, 100)}'`);
    return row;
  }

  /** Revokes by Id; revoking a revoked token again changes nothing. */
  async revoke(instance: InstanceRecord, id: string): Promise<void> {
    const row = await this.get(instance, id);
    await this.tokens.update({ id: row.id, revokedAt: IsNull() }, { revokedAt: this.clock.now() });
    await this.revoked(instance.id, row.id);
  }

  /**
   * The token with this value in this tenant if it works now: not revoked, not expired, its
   * application enabled and its user active, and both still allowed to hold it. Null otherwise,
   * whatever the reason. Answered from memory once the token, its application and its user are
   * cached; otherwise one indexed lookup.
   */
  async findActive(tenant: Tenant, value: string): Promise<ActiveReferenceToken | null> {
    if (!isReferenceTokenFormat(value)) return null;
    const digest = hashReferenceToken(value);
    const key = `${tenant.id} ${digest.toString('hex')}`;
    let entry: CachedToken | null | undefined = this.cache.get(key);
    let fromCache = !!entry;
    if (entry && !sameTokenHash(entry.tokenHash, digest)) entry = undefined; // cannot happen: the key is the hash
    if (!entry) {
      if (this.missing.has(key)) return null;
      entry = await this.load(tenant.id, key, digest);
      fromCache = false;
    }
    if (!entry) return null;
    const now = this.clock.now();
    if (entry.row.revokedAt || entry.row.expiresAt.getTime() <= now.getTime()) return null;
    let owners = await this.owners(tenant.id, entry);
    if (!owners && fromCache) {
      // The application was renamed (or deleted, and its tokens with it): read the row again.
      this.cache.delete(key);
      entry = await this.load(tenant.id, key, digest);
      if (!entry || entry.row.revokedAt || entry.row.expiresAt.getTime() <= now.getTime()) return null;
      owners = await this.owners(tenant.id, entry);
    }
    if (!owners) return null;
    const { application, user } = owners;
    if (referenceTokenPolicyViolation(entry.row.kind, application, user)) return null;
    this.touch(entry, now);
    const current = new Set(parseScope(application.scope));
    return { token: entry.row, application, user, scope: parseScope(entry.row.scope).filter((s) => current.has(s)) };
  }

  /**
   * RFC 7009 for reference tokens: revokes the token if `applicationId` owns it. Returns the
   * token's Id and user when it exists in this tenant (owned or not, so that no other store needs
   * to look), with `owned`: it was this application's, and is revoked now; undefined otherwise.
   */
  async revokeByOwner(tenant: Tenant, applicationId: string, value: string): Promise<{ id: string; userId: string; owned: boolean } | undefined> {
    const row = await this.lookup(tenant, value);
    if (!row) return undefined;
    const owned = row.applicationId === applicationId;
    if (owned && !row.revokedAt) {
      await this.tokens.update({ id: row.id, revokedAt: IsNull() }, { revokedAt: this.clock.now() });
      await this.revoked(tenant.id, row.id);
    }
    return { id: row.id, userId: row.userId, owned };
  }

  /** Every process forgets the token, after the write is committed. */
  private revoked(instanceId: string, id: string): Promise<void> {
    return this.changes.publish({ topic: 'reference-token', instanceId, key: id });
  }

  private onChange(c: Change): void {
    if (c.instanceId === '*') {
      this.generation++;
      this.cache.clear();
      this.missing.clear();
    } else if (c.topic === 'instance') {
      this.generation++;
      dropInstanceEntries(c.instanceId, this.cache, this.missing);
    } else if (c.topic === 'reference-token') {
      this.generation++;
      dropInstanceEntries(c.instanceId, this.missing);
      if (!c.key) dropInstanceEntries(c.instanceId, this.cache);
      else {
        for (const key of this.cache.keysOf(c.instanceId)) if (this.cache.peek(key)?.row.id === c.key) this.cache.delete(key);
      }
    }
  }

  /** The row from the database, remembered (or its absence) unless a change arrived meanwhile. */
  private async load(instanceId: string, key: string, digest: Buffer): Promise<CachedToken | null> {
    const generation = this.generation;
    const row = await this.tokens
      .createQueryBuilder('t')
      .addSelect('t.tokenHash')
      .innerJoin('t.application', 'a')
      .addSelect(['a.id', 'a.applicationUri'])
      .where('t.token_hash = :hash AND t.instance_id = :instanceId', { hash: digest.toString('hex'), instanceId })
      .getOne();
    const unchanged = generation === this.generation;
    if (!row || !sameTokenHash(row.tokenHash, digest)) {
      if (unchanged) this.missing.set(key, true);
      return null;
    }
    const entry: CachedToken = { row, tokenHash: row.tokenHash, applicationUri: row.application!.applicationUri, lastUsedMs: row.lastUsedAt?.getTime() ?? 0 };
    delete (row as Partial<ReferenceTokenEntity>).tokenHash;
    delete row.application;
    if (unchanged) this.cache.set(key, entry);
    return entry;
  }

  /** The token's application and user, from their services' caches; null if either is gone. */
  private async owners(instanceId: string, entry: CachedToken): Promise<{ application: TrustedApplicationEntity; user: UserEntity } | null> {
    const application = await this.applications.findByClientId(instanceId, entry.applicationUri);
    if (!application || application.id !== entry.row.applicationId) return null;
    const user = await this.users.findById(instanceId, entry.row.userId);
    return user ? { application, user } : null;
  }

  /** By sha256 through the unique index, then the hash compared again in constant time. */
  private async lookup(tenant: Tenant, value: string): Promise<ReferenceTokenEntity | null> {
    if (!isReferenceTokenFormat(value)) return null;
    const digest = hashReferenceToken(value);
    const row = await this.tokens
      .createQueryBuilder('t')
      .addSelect('t.tokenHash')
      .where('t.token_hash = :hash AND t.instance_id = :instanceId', { hash: digest.toString('hex'), instanceId: tenant.id })
      .getOne();
    return row && sameTokenHash(row.tokenHash, digest) ? row : null;
  }

  /**
   * Records use at most once per LAST_USED_RESOLUTION_MS per process (the UPDATE's condition
   * keeps other processes' writes from repeating it), in the background: the request never waits
   * for it, and a failed write is logged with the token's Id only and never fails the request.
   */
  private touch(entry: CachedToken, now: Date): void {
    if (now.getTime() - entry.lastUsedMs <= LAST_USED_RESOLUTION_MS) return;
    entry.lastUsedMs = now.getTime();
    const id = entry.row.id;
    const write = Promise.resolve()
      .then(() =>
        this.tokens
          .createQueryBuilder()
          .update()
          .set({ lastUsedAt: now })
          .where('id = :id AND (last_used_at IS NULL OR last_used_at < :since)', { id, since: new Date(now.getTime() - LAST_USED_RESOLUTION_MS) })
          .execute(),
      )
      .then(
        () => undefined,
        (e: unknown) => this.logger.warn(`could not record the use of reference token ${id}: ${(e as Error)?.message}`),
      );
    this.pendingWrites.add(write);
    void write.finally(() => this.pendingWrites.delete(write));
  }

  /** A PAT's user is named; a SAT's is the application's SystemUser. */
  private async owner(instance: InstanceRecord, dto: ReferenceTokenCreateDto, application: TrustedApplicationEntity): Promise<UserEntity> {
    if (dto.Kind === 'PAT') return this.users.get(instance, dto.UserLogin!);
    if (!application.systemUserAllowed || !application.systemUser) throw policyError('system_user_not_allowed');
    if (dto.UserLogin && dto.UserLogin.toLowerCase() !== application.systemUser.toLowerCase()) {
      throw invalidInput('UserLogin', `a SAT acts for the application's SystemUser '${application.systemUser}'`);
    }
    return this.users.get(instance, application.systemUser);
  }

  /** In the future, and no further than the instance's ReferenceTokenMaxLifetime. */
  private expiry(instance: InstanceRecord, value: string): Date {
    const expiresAt = new Date(value);
    const now = this.clock.now().getTime();
    if (Number.isNaN(expiresAt.getTime())) throw invalidInput('ExpiresAt', 'must be a valid date and time');
    if (expiresAt.getTime() <= now) throw invalidInput('ExpiresAt', 'must be in the future');
    const max = instance.settings.ReferenceTokenMaxLifetime;
    if (expiresAt.getTime() - now > max * 1000) {
      throw invalidInput('ExpiresAt', `must be at most ${max} seconds from now (the instance's ReferenceTokenMaxLifetime)`);
    }
    return expiresAt;
  }
}

/** A subset of the application's Scope; empty means all of it. */
function grantedScope(requested: string | undefined, application: TrustedApplicationEntity): string {
  const allowed = parseScope(application.scope);
  const scope = parseScope(requested);
  const outside = scopesOutside(scope, allowed);
  if (outside.length) throw invalidInput('Scope', `not allowed for this application: ${outside.join(' ')}`);
  return formatScope(scope.length ? scope : allowed);
}

function policyError(violation: PolicyViolation) {
  const [field, reason] = POLICY_MESSAGES[violation];
  return invalidInput(field, reason);
}
