import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { isUniqueViolation } from '../../common/database-errors';
import { Repository } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { conflict, invalidInput, notFound } from '../../common/admin/admin.exception';
import { ChangeFeed } from '../../common/cache/change-feed.service';
import { dropInstanceEntries, InstanceKeyedCache } from '../../common/cache/instance-keys';
import type { InstanceRecord } from '../../common/tenant/tenant';
import { UsersService } from '../users/users.service';
import type { TrustedApplicationCreateDto, TrustedApplicationPatchDto } from './dto/trusted-application.dto';
import { TrustedApplicationEntity } from './trusted-application.entity';

/** ERP.net's defaults for attributes a request leaves out. */
const DEFAULTS: Partial<TrustedApplicationEntity> = {
  isEnabled: true,
  impersonateAsInternalUserAllowed: false,
  impersonateAsCommunityUserAllowed: false,
  impersonateLoginUrl: '',
  impersonateLogoutUrl: '',
  clientType: 'Confidential',
  applicationSecretHash: null,
  scope: '',
  systemUser: null,
  systemUserAllowed: false,
  accessTokens: 'None',
  basicAuthenticationAllowed: false,
  backChannelLogoutUri: null,
  frontChannelLogoutUri: null,
  notes: null,
};

@Injectable()
export class TrustedApplicationsService implements OnModuleInit {
  /** Keyed by `${instanceId} ${applicationUri}`; the token endpoint reads it on every request. */
  private readonly cache: InstanceKeyedCache<TrustedApplicationEntity | false>;

  constructor(
    @InjectRepository(TrustedApplicationEntity) private readonly applications: Repository<TrustedApplicationEntity>,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly users: UsersService,
    private readonly changes: ChangeFeed,
  ) {
    this.cache = new InstanceKeyedCache({ max: 100_000, ttl: Math.max(1, config.cacheTtlSeconds) * 1000 });
  }

  onModuleInit(): void {
    this.changes.subscribe((c) => {
      if (c.instanceId === '*' || c.topic === 'trusted-application' || c.topic === 'instance') dropInstanceEntries(c.instanceId, this.cache);
    });
  }

  /** The application with this client_id in this instance, enabled or not; null if there is none. */
  async findByClientId(instanceId: string, clientId: string): Promise<TrustedApplicationEntity | null> {
    const key = `${instanceId} ${clientId}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached || null;
    const row = await this.applications.findOne({ where: { instanceId, applicationUri: clientId } });
    this.cache.set(key, row ?? false);
    return row;
  }

  list(instance: InstanceRecord): Promise<TrustedApplicationEntity[]> {
    return this.applications.find({ where: { instanceId: instance.id }, order: { applicationUri: 'ASC' } });
  }

  async get(instance: InstanceRecord, applicationUri: string): Promise<TrustedApplicationEntity> {
    const row = await this.applications.findOne({ where: { instanceId: instance.id, applicationUri } });
    if (!row) throw notFound(`trusted application '${applicationUri}'`);
    return row;
  }

  async create(instance: InstanceRecord, dto: TrustedApplicationCreateDto): Promise<TrustedApplicationEntity> {
    const row = this.applications.create({ ...DEFAULTS, instanceId: instance.id, ...fromDto(dto) });
    return this.save(instance, row);
  }

  /** PUT: the body is the whole application; what it leaves out returns to the defaults. */
  async replace(instance: InstanceRecord, applicationUri: string, dto: TrustedApplicationCreateDto): Promise<TrustedApplicationEntity> {
    const current = await this.get(instance, applicationUri);
    const row = this.applications.create({ ...DEFAULTS, id: current.id, instanceId: instance.id, createdAt: current.createdAt, ...fromDto(dto) });
    if (dto.ApplicationSecretHash === undefined) row.applicationSecretHash = current.applicationSecretHash;
    return this.save(instance, row);
  }

  async patch(instance: InstanceRecord, applicationUri: string, dto: TrustedApplicationPatchDto): Promise<TrustedApplicationEntity> {
    const current = await this.get(instance, applicationUri);
    return this.save(instance, this.applications.merge(current, fromDto(dto)));
  }

  async remove(instance: InstanceRecord, applicationUri: string): Promise<void> {
    const current = await this.get(instance, applicationUri);
    await this.applications.delete({ id: current.id });
    await this.changes.publish({ topic: 'trusted-application', instanceId: instance.id, key: applicationUri });
  }

  private async save(instance: InstanceRecord, row: TrustedApplicationEntity): Promise<TrustedApplicationEntity> {
    await this.checkConsistency(instance, row);
    try {
      const saved = await this.applications.save(row);
      await this.changes.publish({ topic: 'trusted-application', instanceId: instance.id, key: saved.applicationUri });
      return saved;
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw conflict(`a trusted application '${row.applicationUri}' already exists in this instance`);
      }
      throw e;
    }
  }

  /** Rules that span attributes, checked on the application as it will be stored. */
  private async checkConsistency(instance: InstanceRecord, row: TrustedApplicationEntity): Promise<void> {
    if (row.clientType === 'Confidential' && !row.applicationSecretHash) {
      throw invalidInput('ApplicationSecretHash', 'is required for a Confidential application');
    }
    if (row.clientType === 'Public' && row.applicationSecretHash) {
      throw invalidInput('ApplicationSecretHash', 'must be empty for a Public application, which cannot keep a secret');
    }
    if (row.systemUser && !(await this.users.findByLogin(instance.id, row.systemUser))) {
      throw invalidInput('SystemUser', `no user '${row.systemUser}' in this instance`);
    }
  }
}

function fromDto(dto: TrustedApplicationPatchDto): Partial<TrustedApplicationEntity> {
  const out: Partial<TrustedApplicationEntity> = {
    name: dto.Name,
    applicationUri: dto.ApplicationUri,
    isEnabled: dto.IsEnabled,
    impersonateAsInternalUserAllowed: dto.ImpersonateAsInternalUserAllowed,
    impersonateAsCommunityUserAllowed: dto.ImpersonateAsCommunityUserAllowed,
    impersonateLoginUrl: dto.ImpersonateLoginUrl,
    impersonateLogoutUrl: dto.ImpersonateLogoutUrl,
    clientType: dto.ClientType,
    applicationSecretHash: dto.ApplicationSecretHash,
    scope: dto.Scope,
    systemUser: dto.SystemUser,
    systemUserAllowed: dto.SystemUserAllowed,
    accessTokens: dto.AccessTokens,
    basicAuthenticationAllowed: dto.BasicAuthenticationAllowed,
    backChannelLogoutUri: dto.BackChannelLogoutUri,
    frontChannelLogoutUri: dto.FrontChannelLogoutUri,
    notes: dto.Notes,
  };
  for (const k of Object.keys(out) as (keyof TrustedApplicationEntity)[]) if (out[k] === undefined) delete out[k];
  return out;
}
