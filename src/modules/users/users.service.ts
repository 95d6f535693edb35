import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { canonicalEmail } from '../../common/email';
import { InjectRepository } from '@nestjs/typeorm';
import { isUniqueViolation } from '../../common/database-errors';
import { MoreThan, Repository } from 'typeorm';
import type { ListPage } from '../../common/admin/list-query';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { conflict, invalidInput, notFound } from '../../common/admin/admin.exception';
import { ChangeFeed } from '../../common/cache/change-feed.service';
import { dropInstanceEntries, InstanceKeyedCache } from '../../common/cache/instance-keys';
import type { InstanceRecord } from '../../common/tenant/tenant';
import { SignInFailuresRepository, userSubject } from '../sign-in-policy/sign-in-failures.repository';
import type { UserCreateDto, UserPatchDto } from './dto/user.dto';
import { PasswordHasher } from './password-hasher';
import { Transactions } from '../../database/transactions';
import { UserEntity } from './user.entity';

@Injectable()
export class UsersService implements OnModuleInit {
  /** Keyed by `${instanceId} ${lower(login)}`; read on token requests for system users and signed-in users. */
  private readonly cache: InstanceKeyedCache<UserEntity | false>;
  /** Keyed by `${instanceId} ${id}`; read on code and refresh token requests and by sessions. */
  private readonly byId: InstanceKeyedCache<UserEntity | false>;
  private readonly deactivationHandlers: ((instance: InstanceRecord, user: UserEntity) => Promise<void>)[] = [];

  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly hasher: PasswordHasher,
    private readonly changes: ChangeFeed,
    private readonly failures: SignInFailuresRepository,
    private readonly transactions: Transactions,
  ) {
    this.cache = new InstanceKeyedCache({ max: 100_000, ttl: Math.max(1, config.cacheTtlSeconds) * 1000 });
    this.byId = new InstanceKeyedCache({ max: 100_000, ttl: Math.max(1, config.cacheTtlSeconds) * 1000 });
  }

  onModuleInit(): void {
    this.changes.subscribe((c) => {
      if (c.instanceId === '*' || c.topic === 'user' || c.topic === 'instance') dropInstanceEntries(c.instanceId, this.cache, this.byId);
    });
  }

  /** Case-insensitive, as ERP.net logins are. Cached; never carries the password hash. */
  async findByLogin(instanceId: string, login: string): Promise<UserEntity | null> {
    const key = `${instanceId} ${login.toLowerCase()}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached || null;
    const row = await this.users.createQueryBuilder('u').where('u.instance_id = :instanceId AND lower(u.login) = lower(:login)', { instanceId, login }).getOne();
    this.cache.set(key, row ?? false);
    return row;
  }

  /** Cached like findByLogin (every write publishes a change); never carries the password hash. */
  async findById(instanceId: string, id: string): Promise<UserEntity | null> {
    const key = `${instanceId} ${id}`;
    const cached = this.byId.get(key);
    if (cached !== undefined) return cached || null;
    const row = await this.users.findOne({ where: { instanceId, id } });
    this.byId.set(key, row ?? false);
    return row;
  }

  /**
   * The user a sign-in form names, by Login or else by Email, with the password hash.
   * An email shared by several users (only in data older than the check in assertUnambiguous)
   * matches none of them: sign-in must be unambiguous. Logins are stored in NFC; so is what was typed.
   */
  async findForSignIn(instanceId: string, typed: string): Promise<UserEntity | null> {
    const loginOrEmail = typed.normalize('NFC');
    // An ERP.net ID account's address is stored in its canonical spelling (common/email.ts).
    const canonical = canonicalEmail(loginOrEmail) ?? loginOrEmail;
    // One query whatever matches, so that its timing does not tell a known Login from an unknown name.
    const { entities, raw } = await this.users
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .addSelect('CASE WHEN lower(u.login) IN (lower(:v), :c) THEN 0 ELSE 1 END', 'by_email')
      .where('u.instance_id = :instanceId', { instanceId })
      .andWhere('(lower(u.login) IN (lower(:v), :c) OR lower(u.email) IN (lower(:v), :c))', { v: loginOrEmail, c: canonical })
      .orderBy('by_email')
      .limit(2)
      .getRawAndEntities<{ by_email: number }>();
    // The Login first; else the Email, when exactly one user has it.
    if (raw[0]?.by_email === 0) return entities[0];
    return entities.length === 1 ? entities[0] : null;
  }

  /** All users with this email, for matching federated identities. */
  findByEmail(instanceId: string, email: string): Promise<UserEntity[]> {
    return this.users.createQueryBuilder('u').where('u.instance_id = :instanceId AND lower(u.email) = lower(:email)', { instanceId, email }).getMany();
  }

  verifyPassword(user: UserEntity | null, password: string): Promise<boolean> {
    return this.hasher.verify(user?.passwordHash, password);
  }

  /** By Login; a page is the users after `page.after`, at most `page.limit` of them. */
  list(instance: InstanceRecord, page: ListPage = {}): Promise<UserEntity[]> {
    return this.users.find({ where: { instanceId: instance.id, ...(page.after ? { login: MoreThan(page.after) } : {}) }, order: { login: 'ASC' }, take: page.limit });
  }

  async get(instance: InstanceRecord, login: string): Promise<UserEntity> {
    const row = await this.users.createQueryBuilder('u').where('u.instance_id = :id AND lower(u.login) = lower(:login)', { id: instance.id, login }).getOne();
    if (!row) throw notFound(`user '${login}'`);
    return row;
  }

  async create(instance: InstanceRecord, dto: UserCreateDto): Promise<UserEntity> {
    const row = this.users.create({
      instanceId: instance.id,
      login: dto.Login,
      email: dto.Email ?? null,
      name: dto.Name ?? dto.Login,
      userType: dto.UserType ?? 'InternalUser',
      isAdmin: dto.IsAdmin ?? false,
      locale: dto.Locale ?? null,
      emailVerified: dto.EmailVerified ?? false,
      active: dto.Active ?? true,
      passwordHash: dto.Password ? await this.hasher.hash(dto.Password) : null,
    });
    return this.save(instance, row);
  }

  async patch(instance: InstanceRecord, login: string, dto: UserPatchDto): Promise<UserEntity> {
    const row = await this.get(instance, login);
    if (dto.Login !== undefined && dto.Login.toLowerCase() !== row.login.toLowerCase()) {
      await this.assertNotSystemUser(instance, row.login, 'renamed');
      row.login = dto.Login;
    }
    // A new address is not verified until the same request says it is: email_verified must stay true of the address it names.
    if (dto.Email !== undefined && (dto.Email ?? '').toLowerCase() !== (row.email ?? '').toLowerCase()) row.emailVerified = false;
    if (dto.Email !== undefined) row.email = dto.Email;
    if (dto.Name !== undefined) row.name = dto.Name;
    if (dto.UserType !== undefined) row.userType = dto.UserType;
    // A user who may not sign in keeps no password (save() refuses a new one for such a user).
    if (dto.UserType === 'SystemUserNoLogin' && dto.Password === undefined) row.passwordHash = null;
    if (dto.IsAdmin !== undefined) row.isAdmin = dto.IsAdmin;
    if (dto.Locale !== undefined) row.locale = dto.Locale;
    if (dto.EmailVerified !== undefined) row.emailVerified = dto.EmailVerified;
    if (dto.Active !== undefined) row.active = dto.Active;
    if (dto.Password !== undefined) row.passwordHash = dto.Password ? await this.hasher.hash(dto.Password) : null;
    const saved = await this.save(instance, row, dto.Login !== undefined || dto.Email !== undefined);
    if (dto.Locked === false) await this.failures.clear(instance.id, userSubject(saved.id));
    return saved;
  }

  /** The end of the sign-in lockout of each of `users` that is locked now. */
  lockedUntil(instance: InstanceRecord, users: UserEntity[]): Promise<Map<string, Date>> {
    return this.failures.lockedUsers(instance.id, users.map((u) => u.id));
  }

  async setPassword(instanceId: string, userId: string, password: string): Promise<void> {
    await this.users.update({ instanceId, id: userId }, { passwordHash: await this.hasher.hash(password) });
    await this.changes.publish({ topic: 'user', instanceId });
  }

  async remove(instance: InstanceRecord, login: string): Promise<void> {
    const row = await this.get(instance, login);
    await this.assertNotSystemUser(instance, row.login, 'deleted');
    // Two deletes at once: the one that deleted nothing says so.
    const { affected } = await this.users.delete({ id: row.id });
    if (!affected) throw notFound(`user '${login}'`);
    await this.changes.publish({ topic: 'user', instanceId: instance.id, key: row.login });
  }

  /**
   * Trusted Applications name their SystemUser by Login: a user they name is not deleted or
   * renamed from under them (a new user of that Login would silently become their system user).
   */
  private async assertNotSystemUser(instance: InstanceRecord, login: string, change: 'deleted' | 'renamed'): Promise<void> {
    const rows: { application_uri: string }[] = await this.users.query(
      'SELECT application_uri FROM trusted_applications WHERE instance_id = $1 AND lower(system_user_login) = lower($2) ORDER BY application_uri LIMIT 5',
      [instance.id, login],
    );
    if (rows.length) {
      throw conflict(`user '${login}' is the SystemUser of ${rows.map((r) => `'${r.application_uri}'`).join(', ')} and cannot be ${change}; change their SystemUser first`);
    }
  }

  /**
   * Sign-in takes a Login or an Email: no Email may be another user's Email or Login, and no Login
   * another user's Email (case-insensitive), or one user's sign-in would reach another, or nobody.
   * Checked under a per-instance lock, so that two concurrent writes cannot both pass.
   */
  private async assertUnambiguous(instance: InstanceRecord, row: UserEntity): Promise<void> {
    await this.users.query("SELECT pg_advisory_xact_lock(hashtextextended('users ' || $1, 0))", [instance.id]);
    const clashes: { login: string; email: string | null }[] = await this.users.query(
      `SELECT login, email FROM users
        WHERE instance_id = $1 AND id IS DISTINCT FROM $2
          AND (lower(email) = lower($3) OR lower(login) = lower($4) OR lower(email) = lower($5))
        LIMIT 1`,
      [instance.id, row.id ?? null, row.login, row.email, row.email],
    );
    const clash = clashes[0];
    if (!clash) return;
    if (row.email && clash.email?.toLowerCase() === row.email.toLowerCase()) throw conflict(`a user with Email '${row.email}' already exists in this instance`);
    if (row.email && clash.login.toLowerCase() === row.email.toLowerCase()) throw conflict(`Email '${row.email}' is another user's Login in this instance`);
    throw conflict(`Login '${row.login}' is another user's Email in this instance`);
  }

  /**
   * Sessions depend on users, not the reverse: the session module hands in what ends an inactive
   * user's sessions (and tells their applications, as a logout does).
   */
  onDeactivated(handler: (instance: InstanceRecord, user: UserEntity) => Promise<void>): void {
    this.deactivationHandlers.push(handler);
  }

  /**
   * An inactive user has no session: ended here, once, by the request that deactivates, so that a
   * reactivation before the browser comes back does not revive it (sign-in refuses an inactive
   * user's session in any case). The UPDATE ends what the handlers did not.
   */
  private async endSessions(instance: InstanceRecord, user: UserEntity): Promise<void> {
    for (const handler of this.deactivationHandlers) await handler(instance, user);
    await this.users.query('UPDATE sessions SET ended_at = now() WHERE instance_id = $1 AND user_id = $2 AND ended_at IS NULL', [instance.id, user.id]);
  }

  /** `identityChanged`: a new user, or a new Login or Email, which assertUnambiguous checks first. */
  private async save(instance: InstanceRecord, row: UserEntity, identityChanged = true): Promise<UserEntity> {
    if (row.userType === 'SystemUserNoLogin' && row.passwordHash) {
      throw invalidInput('Password', 'a SystemUserNoLogin user cannot have a password');
    }
    if (row.emailVerified && !row.email) throw invalidInput('EmailVerified', 'cannot be true without an Email');
    try {
      const saved = identityChanged
        ? await this.transactions.run(async () => {
            await this.assertUnambiguous(instance, row);
            return this.users.save(row);
          })
        : await this.users.save(row);
      delete (saved as Partial<UserEntity>).passwordHash;
      if (!saved.active) await this.endSessions(instance, saved);
      await this.changes.publish({ topic: 'user', instanceId: instance.id, key: saved.login });
      return saved;
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw conflict(`a user with Login '${row.login}' already exists in this instance`);
      }
      throw e;
    }
  }
}
