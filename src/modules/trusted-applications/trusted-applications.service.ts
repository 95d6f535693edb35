import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { isUniqueViolation } from '../../common/database-errors';
import { MoreThan, Repository } from 'typeorm';
import type { ListPage } from '../../common/admin/list-query';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { conflict, invalidInput, notFound } from '../../common/admin/admin.exception';
import { ChangeFeed } from '../../common/cache/change-feed.service';
import { dropInstanceEntries, InstanceKeyedCache } from '../../common/cache/instance-keys';
import type { InstanceRecord } from '../../common/tenant/tenant';
import { Transactions } from '../../database/transactions';
import { UsersService } from '../users/users.service';
import type { TrustedApplicationCreateDto, TrustedApplicationPatchDto } from './dto/trusted-application.dto';
import { issuedToThisApplication, TrustedApplicationEntity } from './trusted-application.entity';

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
  deviceFlowAllowed: false,
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
    private readonly transactions: Transactions,
  ) {
    this.cache = new InstanceKeyedCache({ max: 100_000, ttl: Math.max(1, config.cacheTtlSeconds) * 1000 });
  }

  onModuleInit(): void {
    this.changes.subscribe((c) => {
      if (c.instanceId === '*' || c.topic === 'trusted-application' || c.topic === 'instance') dropInstanceEntries(c.instanceId, this.cache);
    });
  }

  /**
   * Whether a signed access token (its client_id and iat) still has its application: enabled, and
   * the one it was issued to, not a later one of the same ApplicationUri. Introspection and userinfo ask.
   */
  async stillHoldsToken(instanceId: string, payload: { client_id?: unknown; iat?: unknown }): Promise<boolean> {
    const client = typeof payload.client_id === 'string' ? await this.findByClientId(instanceId, payload.client_id) : null;
    return !!client && client.isEnabled && issuedToThisApplication(client, payload.iat);
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

  /** By ApplicationUri; a page is the applications after `page.after`, at most `page.limit` of them. */
  list(instance: InstanceRecord, page: ListPage = {}): Promise<TrustedApplicationEntity[]> {
    return this.applications.find({
      where: { instanceId: instance.id, ...(page.after ? { applicationUri: MoreThan(page.after) } : {}) },
      order: { applicationUri: 'ASC' },
      take: page.limit,
    });
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
  /** PUT replaces the application at this URL; renaming it (another ApplicationUri) is PATCH's, which says so. */
  async replace(instance: InstanceRecord, applicationUri: string, dto: TrustedApplicationCreateDto): Promise<TrustedApplicationEntity> {
    const current = await this.get(instance, applicationUri);
    if (dto.ApplicationUri !== current.applicationUri) {
      throw invalidInput('ApplicationUri', `must be '${current.applicationUri}', the application PUT replaces; rename with PATCH`);
    }
    const row = this.applications.create({ ...DEFAULTS, id: current.id, instanceId: instance.id, createdAt: current.createdAt, ...fromDto(dto) });
    if (dto.ApplicationSecretHash === undefined) row.applicationSecretHash = current.applicationSecretHash;
    return this.save(instance, row, current.applicationUri);
  }

  async patch(instance: InstanceRecord, applicationUri: string, dto: TrustedApplicationPatchDto): Promise<TrustedApplicationEntity> {
    const current = await this.get(instance, applicationUri);
    const before = current.applicationUri;
    return this.save(instance, this.applications.merge(current, fromDto(dto)), before);
  }

  /**
   * Deletes the application and its grants: its codes and refresh tokens go with it, so that an
   * application created later with the same ApplicationUri inherits none of them. (Its access tokens,
   * signed, are refused by their issue date: see issuedToThisApplication.)
   */
  async remove(instance: InstanceRecord, applicationUri: string): Promise<void> {
    const current = await this.get(instance, applicationUri);
    await this.transactions.run(async () => {
      await this.dropGrants(instance, current.applicationUri);
      // Two deletes at once: the one that deleted nothing says so.
      const { affected } = await this.applications.delete({ id: current.id });
      if (!affected) throw notFound(`trusted application '${applicationUri}'`);
    });
    await this.changes.publish({ topic: 'trusted-application', instanceId: instance.id, key: applicationUri });
  }

  /** The pushed requests, codes and refresh tokens of an ApplicationUri, which no later application of that name may inherit. */
  private async dropGrants(instance: InstanceRecord, applicationUri: string): Promise<void> {
    await this.applications.query('DELETE FROM pushed_authorization_requests WHERE instance_id = $1 AND application_uri = $2', [instance.id, applicationUri]);
    await this.applications.query('DELETE FROM device_authorizations WHERE instance_id = $1 AND application_uri = $2', [instance.id, applicationUri]);
    await this.applications.query('DELETE FROM authorization_codes WHERE instance_id = $1 AND application_uri = $2', [instance.id, applicationUri]);
    await this.applications.query('DELETE FROM refresh_tokens WHERE instance_id = $1 AND application_uri = $2', [instance.id, applicationUri]);
  }

  /** `previousUri`: the ApplicationUri before this change; renamed, the application leaves its grants behind (dropped). */
  private async save(instance: InstanceRecord, row: TrustedApplicationEntity, previousUri?: string): Promise<TrustedApplicationEntity> {
    await this.checkConsistency(instance, row);
    try {
      const renamed = previousUri !== undefined && previousUri !== row.applicationUri;
      const saved = renamed
        ? await this.transactions.run(async () => {
            await this.dropGrants(instance, previousUri);
            return this.applications.save(row);
          })
        : await this.applications.save(row);
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
    deviceFlowAllowed: dto.DeviceFlowAllowed,
    backChannelLogoutUri: dto.BackChannelLogoutUri,
    frontChannelLogoutUri: dto.FrontChannelLogoutUri,
    notes: dto.Notes,
  };
  for (const k of Object.keys(out) as (keyof TrustedApplicationEntity)[]) if (out[k] === undefined) delete out[k];
  return out;
}
