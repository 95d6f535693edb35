import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { isUniqueViolation } from '../../common/database-errors';
import { Repository } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { conflict, invalidInput, notFound } from '../../common/admin/admin.exception';
import { ChangeFeed } from '../../common/cache/change-feed.service';
import { dropInstanceEntries, InstanceKeyedCache } from '../../common/cache/instance-keys';
import type { InstanceRecord } from '../../common/tenant/tenant';
import { SignInFailuresRepository, userSubject } from '../sign-in-policy/sign-in-failures.repository';
import type { UserCreateDto, UserPatchDto } from './dto/user.dto';
import { PasswordHasher } from './password-hasher';
import { UserEntity } from './user.entity';

@Injectable()
export class UsersService implements OnModuleInit {
  /** Keyed by `${instanceId} ${lower(login)}`; read on token requests for system users and signed-in users. */
  private readonly cache: InstanceKeyedCache<UserEntity | false>;
  /** Keyed by `${instanceId} ${id}`; read on code and refresh token requests and by sessions. */
  private readonly byId: InstanceKeyedCache<UserEntity | false>;

  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly hasher: PasswordHasher,
    private readonly changes: ChangeFeed,
    private readonly failures: SignInFailuresRepository,
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
   * An email shared by several users matches none of them: sign-in must be unambiguous.
   */
  async findForSignIn(instanceId: string, loginOrEmail: string): Promise<UserEntity | null> {
    // One query whatever matches, so that its timing does not tell a known Login from an unknown name.
    const { entities, raw } = await this.users
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .addSelect('CASE WHEN lower(u.login) = lower(:v) THEN 0 ELSE 1 END', 'by_email')
      .where('u.instance_id = :instanceId', { instanceId })
      .andWhere('(lower(u.login) = lower(:v) OR lower(u.email) = lower(:v))', { v: loginOrEmail })
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

  list(instance: InstanceRecord): Promise<UserEntity[]> {
    return this.users.find({ where: { instanceId: instance.id }, order: { login: 'ASC' } });
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
    if (dto.Login !== undefined) row.login = dto.Login;
    if (dto.Email !== undefined) row.email = dto.Email;
    if (dto.Name !== undefined) row.name = dto.Name;
    if (dto.UserType !== undefined) row.userType = dto.UserType;
    if (dto.IsAdmin !== undefined) row.isAdmin = dto.IsAdmin;
    if (dto.Locale !== undefined) row.locale = dto.Locale;
    if (dto.EmailVerified !== undefined) row.emailVerified = dto.EmailVerified;
    if (dto.Active !== undefined) row.active = dto.Active;
    if (dto.Password !== undefined) row.passwordHash = dto.Password ? await this.hasher.hash(dto.Password) : null;
    const saved = await this.save(instance, row);
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
    await this.users.delete({ id: row.id });
    await this.changes.publish({ topic: 'user', instanceId: instance.id, key: row.login });
  }

  private async save(instance: InstanceRecord, row: UserEntity): Promise<UserEntity> {
    if (row.userType === 'SystemUserNoLogin' && row.passwordHash) {
      throw invalidInput('Password', 'a SystemUserNoLogin user cannot have a password');
    }
    try {
      const saved = await this.users.save(row);
      delete (saved as Partial<UserEntity>).passwordHash;
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
