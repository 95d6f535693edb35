import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { formatScope, parseScope, scopesOutside } from '@app/oauth-core';
import { invalidInput, notFound } from '../../common/admin/admin.exception';
import { Clock } from '../../common/crypto/clock';
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
const LAST_USED_RESOLUTION_MS = 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A reference token that works right now, with what it acts for. */
export interface ActiveReferenceToken {
  token: ReferenceTokenEntity;
  application: TrustedApplicationEntity;
  user: UserEntity;
  /** The issued scope, narrowed to the application's current Scope. */
  scope: string[];
}

/**
 * Reference tokens (PAT/SAT): issued and revoked through the admin API, looked up by their hash
 * on every use. Nothing is cached: the indexed lookup reads the token, its application and its
 * user in one query, so a revocation or a change to either takes effect on the next request on
 * every server process.
 */
@Injectable()
export class ReferenceTokensService {
  private readonly logger = new Logger(ReferenceTokensService.name);

  constructor(
    @InjectRepository(ReferenceTokenEntity) private readonly tokens: Repository<ReferenceTokenEntity>,
    private readonly applications: TrustedApplicationsService,
    private readonly users: UsersService,
    private readonly clock: Clock,
  ) {}

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
  }

  /**
   * The token with this value in this tenant if it works now: not revoked, not expired, its
   * application enabled and its user active, and both still allowed to hold it. Null otherwise,
   * whatever the reason. Besides the one indexed lookup, the work does not depend on whether
   * the token exists.
   */
  async findActive(tenant: Tenant, value: string): Promise<ActiveReferenceToken | null> {
    const row = await this.lookup(tenant, value, { withOwners: true });
    if (!row) return null;
    const now = this.clock.now();
    const application = row.application!;
    const user = row.user!;
    if (row.revokedAt || row.expiresAt.getTime() <= now.getTime()) return null;
    if (referenceTokenPolicyViolation(row.kind, application, user)) return null;
    await this.touch(row, now);
    const current = new Set(parseScope(application.scope));
    return { token: row, application, user, scope: parseScope(row.scope).filter((s) => current.has(s)) };
  }

  /**
   * RFC 7009 for reference tokens: revokes the token if `applicationId` owns it. Returns whether
   * the token exists in this tenant (owned or not), so that no other store needs to look.
   */
  async revokeByOwner(tenant: Tenant, applicationId: string, value: string): Promise<boolean> {
    const row = await this.lookup(tenant, value, { withOwners: false });
    if (!row) return false;
    if (row.applicationId === applicationId && !row.revokedAt) {
      await this.tokens.update({ id: row.id, revokedAt: IsNull() }, { revokedAt: this.clock.now() });
    }
    return true;
  }

  /** By sha256 through the unique index, then the hash compared again in constant time. */
  private async lookup(tenant: Tenant, value: string, options: { withOwners: boolean }): Promise<ReferenceTokenEntity | null> {
    if (!isReferenceTokenFormat(value)) return null;
    const digest = hashReferenceToken(value);
    let query = this.tokens
      .createQueryBuilder('t')
      .addSelect('t.tokenHash')
      .where('t.token_hash = :hash AND t.instance_id = :instanceId', { hash: digest.toString('hex'), instanceId: tenant.id });
    if (options.withOwners) query = query.innerJoinAndSelect('t.application', 'a').innerJoinAndSelect('t.user', 'u');
    const row = await query.getOne();
    return row && sameTokenHash(row.tokenHash, digest) ? row : null;
  }

  /** Records use at most once per LAST_USED_RESOLUTION_MS; a failed write never fails the request. */
  private async touch(row: ReferenceTokenEntity, now: Date): Promise<void> {
    if (row.lastUsedAt && now.getTime() - row.lastUsedAt.getTime() < LAST_USED_RESOLUTION_MS) return;
    try {
      await this.tokens
        .createQueryBuilder()
        .update()
        .set({ lastUsedAt: now })
        .where('id = :id AND (last_used_at IS NULL OR last_used_at < :since)', { id: row.id, since: new Date(now.getTime() - LAST_USED_RESOLUTION_MS) })
        .execute();
    } catch (e) {
      this.logger.warn(`could not record the use of reference token ${row.id}: ${(e as Error).message}`);
    }
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
