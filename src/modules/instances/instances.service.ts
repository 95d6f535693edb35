import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { isUniqueViolation } from '../../common/database-errors';
import { LRUCache } from 'lru-cache';
import { MoreThan, Repository } from 'typeorm';
import type { ListPage } from '../../common/admin/list-query';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { conflict, invalidInput, notFound } from '../../common/admin/admin.exception';
import { encryptPrivateKey } from '../keys/key-encryption';
import { ChangeFeed } from '../../common/cache/change-feed.service';
import { PRECISE_CLOCK } from '../../common/cache/instance-keys';
import type { InstanceRecord } from '../../common/tenant/tenant';
import { KeysService } from '../keys/keys.service';
import type { ExternalProviderDto, InstanceCreateDto, InstanceUpdateDto, WebSiteDto } from './dto/instance.dto';
import { InstanceHostEntity } from './instance-host.entity';
import { InstanceEntity } from './instance.entity';
import { DEFAULT_INSTANCE_SETTINGS, SETTING_NAMES, type InstanceSettings, type StoredExternalProvider, type WebSite } from './instance.types';

/** Unknown hosts are remembered briefly too, so a flood of them costs no database reads. */
const NEGATIVE_TTL_MS = 5_000;

@Injectable()
export class InstancesService implements OnModuleInit {
  private readonly byHost: LRUCache<string, InstanceRecord | false>;
  /** The cached hosts of each instance, and the hosts cached as no instance's: what a change must drop. */
  private readonly hostsOf = new Map<string, Set<string>>();
  private readonly unknownHosts = new Set<string>();

  constructor(
    @InjectRepository(InstanceEntity) private readonly instances: Repository<InstanceEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly keys: KeysService,
    private readonly changes: ChangeFeed,
  ) {
    this.byHost = new LRUCache({
      max: 50_000,
      ttl: Math.max(1, config.cacheTtlSeconds) * 1000,
      ttlResolution: PRECISE_CLOCK,
      dispose: (record, host) => {
        if (record) this.hostsOf.get(record.id)?.delete(host);
        else this.unknownHosts.delete(host);
      },
    });
  }

  onModuleInit(): void {
    this.changes.subscribe((c) => {
      if (c.topic !== 'instance') return;
      if (c.instanceId === '*') return this.byHost.clear();
      // Only this instance's hosts, and every host cached as unknown (it may be this instance's new host).
      for (const host of [...(this.hostsOf.get(c.instanceId) ?? []), ...this.unknownHosts]) this.byHost.delete(host);
      this.hostsOf.delete(c.instanceId);
    });
  }

  /** From the cache only: the instance at `host`, false for a host known to be no instance's, undefined when not cached. */
  cachedByHost(host: string): InstanceRecord | false | undefined {
    return this.byHost.get(host);
  }

  /** The instance served at `host` (lower-case, no port), or null. Cached. */
  async findByHost(host: string): Promise<InstanceRecord | null> {
    const cached = this.byHost.get(host);
    if (cached !== undefined) return cached || null;
    const row = await this.instances
      .createQueryBuilder('i')
      .innerJoin(InstanceHostEntity, 'h', 'h.instance_id = i.id')
      .leftJoinAndSelect('i.hosts', 'all_hosts')
      .where('h.host = :host', { host })
      .getOne();
    const record = row ? toRecord(row) : null;
    this.byHost.set(host, record ?? false, record ? undefined : { ttl: NEGATIVE_TTL_MS });
    if (!record) this.unknownHosts.add(host);
    else if (this.hostsOf.has(record.id)) this.hostsOf.get(record.id)!.add(host);
    else this.hostsOf.set(record.id, new Set([host]));
    return record;
  }

  /** By Name; a page is the instances after `page.after`, at most `page.limit` of them. */
  async list(page: ListPage = {}): Promise<InstanceRecord[]> {
    const rows = await this.instances.find({ where: page.after ? { name: MoreThan(page.after) } : {}, relations: { hosts: true }, order: { name: 'ASC' }, take: page.limit });
    return rows.map(toRecord);
  }

  /** By id, uncached: for the server's own scheduled work. */
  async findById(id: string): Promise<InstanceRecord | null> {
    const row = await this.instances.findOne({ where: { id }, relations: { hosts: true } });
    return row ? toRecord(row) : null;
  }

  async getByName(name: string): Promise<InstanceRecord> {
    const row = await this.instances
      .createQueryBuilder('i')
      .leftJoinAndSelect('i.hosts', 'h')
      .where('lower(i.name) = lower(:name)', { name })
      .getOne();
    if (!row) throw notFound(`instance '${name}'`);
    return toRecord(row);
  }

  async create(dto: InstanceCreateDto): Promise<InstanceRecord> {
    const hosts = normalizeHosts(dto.Hosts);
    const id = await this.writing(async () =>
      this.instances.manager.transaction(async (tx) => {
        if (await tx.createQueryBuilder(InstanceEntity, 'i').where('lower(i.name) = lower(:n)', { n: dto.Name }).getExists()) {
          throw conflict(`an instance named '${dto.Name}' already exists`);
        }
        await assertHostsFree(tx.getRepository(InstanceHostEntity), hosts, null);
        const saved = await tx.save(
          tx.create(InstanceEntity, {
            name: dto.Name,
            type: dto.Type ?? 'Instance',
            database: dto.Database,
            webSites: toWebSites(dto.WebSites ?? []),
            erpNetIdSignInEnabled: dto.ErpNetIdSignInEnabled ?? false,
            externalProviders: this.providers(dto.ExternalProviders ?? [], []),
            settings: pickSettings(dto),
          }),
        );
        await tx.save(hosts.map((host, position) => tx.create(InstanceHostEntity, { host, position, instanceId: saved.id })));
        await this.keys.createInitialKey(tx, saved.id);
        return saved.id;
      }),
    );
    await this.changes.publish({ topic: 'instance', instanceId: id });
    return this.getByName(dto.Name);
  }

  async update(name: string, dto: InstanceUpdateDto): Promise<InstanceRecord> {
    const current = await this.getByName(name);
    await this.writing(() =>
      this.instances.manager.transaction(async (tx) => {
        const row = await tx.findOneOrFail(InstanceEntity, { where: { id: current.id } });
        if (dto.Database !== undefined) row.database = dto.Database;
        if (dto.Type !== undefined) row.type = dto.Type;
        if (dto.WebSites !== undefined) row.webSites = toWebSites(dto.WebSites);
        if (dto.ErpNetIdSignInEnabled !== undefined) row.erpNetIdSignInEnabled = dto.ErpNetIdSignInEnabled;
        if (dto.ExternalProviders !== undefined) row.externalProviders = this.providers(dto.ExternalProviders, row.externalProviders);
        row.settings = { ...row.settings, ...pickSettings(dto) };
        await tx.save(row);
        const lifetimes = { ...DEFAULT_INSTANCE_SETTINGS, ...row.settings };
        if (Math.max(lifetimes.AccessTokenLifetime, lifetimes.IdentityTokenLifetime) > Math.max(current.settings.AccessTokenLifetime, current.settings.IdentityTokenLifetime)) {
          await this.keys.keepPublishedFor(tx, current.id, lifetimes);
        }
        if (dto.Hosts) {
          const hosts = normalizeHosts(dto.Hosts);
          const hostRepo = tx.getRepository(InstanceHostEntity);
          await assertHostsFree(hostRepo, hosts, current.id);
          await hostRepo.delete({ instanceId: current.id });
          await hostRepo.save(hosts.map((host, position) => hostRepo.create({ host, position, instanceId: current.id })));
        }
      }),
    );
    await this.changes.publish({ topic: 'instance', instanceId: current.id });
    return this.getByName(current.name);
  }

  async remove(name: string): Promise<void> {
    const current = await this.getByName(name);
    // Two deletes at once (on two nodes): the one that deleted nothing says so.
    const { affected } = await this.instances.delete({ id: current.id });
    if (!affected) throw notFound(`instance '${name}'`);
    await this.changes.publish({ topic: 'instance', instanceId: current.id });
  }

  /** Encrypts new client secrets; a provider sent without one keeps the secret stored under its Name. */
  private providers(dtos: ExternalProviderDto[], current: StoredExternalProvider[]): StoredExternalProvider[] {
    const names = new Set<string>();
    return dtos.map((p) => {
      if (names.has(p.Name)) throw invalidInput('ExternalProviders', `duplicate provider Name '${p.Name}'`);
      names.add(p.Name);
      const kept = current.find((c) => c.Name === p.Name && c.ClientId === p.ClientId)?.ClientSecretEncrypted;
      if (!p.ClientSecret && !kept) throw invalidInput('ExternalProviders', `ClientSecret is required for provider '${p.Name}'`);
      return {
        Name: p.Name,
        ...(p.DisplayName ? { DisplayName: p.DisplayName } : {}),
        Issuer: p.Issuer.replace(/\/+$/, ''),
        ClientId: p.ClientId,
        ClientSecretEncrypted: p.ClientSecret ? encryptPrivateKey(Buffer.from(p.ClientSecret, 'utf8'), this.config.keyEncryptionKey, providerAad(p.Name, p.ClientId)) : kept!,
        ...(p.TenantId ? { TenantId: p.TenantId } : {}),
      };
    });
  }

  /** Two admins racing on the same name or host: the unique index decides, and the loser gets 409. */
  private async writing<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw conflict('an instance with this name or host already exists');
      }
      throw e;
    }
  }
}

function toWebSites(dtos: WebSiteDto[]): WebSite[] {
  return dtos.map((w) => ({
    Type: w.Type,
    Status: w.Status ?? 'Working',
    Url: w.Url,
    ...(w.AdditionalProperties ? { AdditionalProperties: w.AdditionalProperties } : {}),
  }));
}

function normalizeHosts(hosts: string[]): string[] {
  return [...new Set(hosts.map((h) => h.toLowerCase()))];
}

async function assertHostsFree(repo: Repository<InstanceHostEntity>, hosts: string[], ownerId: string | null): Promise<void> {
  const taken = await repo.createQueryBuilder('h').where('h.host IN (:...hosts)', { hosts }).getMany();
  const others = taken.filter((h) => h.instanceId !== ownerId);
  if (others.length) throw conflict(`host already served by another instance: ${others.map((h) => h.host).join(', ')}`);
}

function pickSettings(dto: Partial<InstanceSettings>): Partial<InstanceSettings> {
  const out: Partial<InstanceSettings> = {};
  for (const name of SETTING_NAMES) if (dto[name] !== undefined) out[name] = dto[name];
  return out;
}

export function toRecord(row: InstanceEntity): InstanceRecord {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    database: row.database,
    hosts: (row.hosts ?? []).sort((a, b) => a.position - b.position).map((h) => h.host),
    webSites: row.webSites,
    erpNetIdSignInEnabled: row.erpNetIdSignInEnabled,
    externalProviders: row.externalProviders ?? [],
    settings: { ...DEFAULT_INSTANCE_SETTINGS, ...row.settings },
  };
}

/** Binds an encrypted upstream client secret to its provider and client id. */
export function providerAad(name: string, clientId: string): string {
  return `external-provider:${name}:${clientId}`;
}
