import { generateKeyPair, createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LRUCache } from 'lru-cache';
import { exportJWK, type JWK } from 'jose';
import { EntityManager, Repository } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { ChangeFeed } from '../../common/cache/change-feed.service';
import { Clock } from '../../common/crypto/clock';
import { randomHexId } from '../../common/crypto/random';
import type { InstanceRecord } from '../../common/tenant/tenant';
import type { InstanceSettings } from '../instances/instance.types';
import { decryptPrivateKey, encryptPrivateKey } from './key-encryption';
import { isPublished, keyState, nextTransition, pickSigningKey, rotationPlan, type KeyState } from './key-state';
import { SigningKeyEntity } from './signing-key.entity';

const generateRsa = promisify(generateKeyPair);
/** Verifiers may be a little ahead or behind: keep retired keys published this much longer. */
const CLOCK_SKEW_MS = 60_000;

type TokenLifetimes = Pick<InstanceSettings, 'AccessTokenLifetime' | 'IdentityTokenLifetime'>;

/** How long a key stays published after it stops signing: its longest token's life, and the clock skew. */
function publishedAfterRetirementMs(settings: TokenLifetimes): number {
  return Math.max(settings.AccessTokenLifetime, settings.IdentityTokenLifetime) * 1000 + CLOCK_SKEW_MS;
}

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  /** The base64url protected header per JWT typ, built on first use (TokenSigner). */
  encodedHeaders: Map<string, string>;
}

export interface KeyView {
  entity: SigningKeyEntity;
  state: KeyState;
}

interface InstanceKeys {
  entities: SigningKeyEntity[];
  /** Decrypted and imported once per process, on first use. */
  privateKeys: Map<string, SigningKey>;
  /** The key that signs until `derivedUntil`. */
  signing?: SigningKey;
  jwksJson?: string;
  /** When the rows are read again (the safety net behind change notifications). */
  reloadAt: number;
  /** When a key next changes state; the derived values are rebuilt then. */
  derivedUntil: number;
}

@Injectable()
export class KeysService implements OnModuleInit {
  private readonly cache = new LRUCache<string, InstanceKeys>({ max: 20_000 });

  constructor(
    @InjectRepository(SigningKeyEntity) private readonly keys: Repository<SigningKeyEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly changes: ChangeFeed,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.changes.subscribe((c) => {
      if (c.instanceId === '*') this.cache.clear();
      else if (c.topic === 'keys' || c.topic === 'instance') this.cache.delete(c.instanceId);
    });
  }

  /** Creates an instance's first key, active at once, inside the instance's creating transaction. */
  async createInitialKey(manager: EntityManager, instanceId: string): Promise<void> {
    await manager.save(await this.newKey(instanceId, this.clock.now()));
  }

  /** Announces a new key now; it signs after the propagation delay, and the keys it replaces retire then. */
  async rotate(instance: InstanceRecord): Promise<KeyView[]> {
    await this.replaceKeys(instance);
    return this.list(instance.id);
  }

  /**
   * The scheduled rotation: rotates when no key of the instance signs (or is to sign) from later
   * than `dueBefore`. Nodes that try at once are put in line by the lock on the key rows; the
   * first rotates, the others then see its new key and leave it. True when this call rotated.
   */
  async rotateIfDue(instance: InstanceRecord, dueBefore: Date): Promise<boolean> {
    return this.replaceKeys(instance, (current) => current.every((key) => key.activatesAt.getTime() <= dueBefore.getTime()));
  }

  /** The instances (ids) whose newest key has signed since before `dueBefore`, at most `limit`, in no set order. */
  async dueForRotation(dueBefore: Date, limit: number): Promise<string[]> {
    const rows: { instanceId: string }[] = await this.keys.query(
      `SELECT instance_id AS "instanceId" FROM signing_keys GROUP BY instance_id HAVING max(activates_at) <= $1 ORDER BY random() LIMIT $2`,
      [dueBefore, limit],
    );
    return rows.map((r) => r.instanceId);
  }

  private async replaceKeys(instance: InstanceRecord, due: (current: SigningKeyEntity[]) => boolean = () => true): Promise<boolean> {
    const now = this.clock.now();
    const plan = rotationPlan(now, this.config.keyPropagationDelaySeconds * 1000, publishedAfterRetirementMs(instance.settings));
    const fresh = await this.newKey(instance.id, plan.newKey.activatesAt);
    const rotated = await this.keys.manager.transaction(async (tx) => {
      const current = await tx.find(SigningKeyEntity, { where: { instanceId: instance.id }, lock: { mode: 'pessimistic_write' } });
      if (!due(current)) return false;
      for (const key of current) {
        const state = keyState(key, now);
        if (state === 'Active' || state === 'Pending') {
          key.retiresAt = plan.replaced.retiresAt;
          key.expiresAt = plan.replaced.expiresAt;
          await tx.save(key);
        }
      }
      await tx.save(fresh);
      return true;
    });
    if (rotated) await this.changes.publish({ topic: 'keys', instanceId: instance.id });
    return rotated;
  }

  /**
   * After the instance's token lifetimes grew to `settings`: a key that retires, or has retired,
   * stays published until the longest token it may sign under them has expired. (Called in the
   * transaction that changes them; the instance's change notification reloads the keys.)
   */
  async keepPublishedFor(manager: EntityManager, instanceId: string, settings: TokenLifetimes): Promise<void> {
    const now = this.clock.now().getTime();
    const afterRetirementMs = publishedAfterRetirementMs(settings);
    const keys = await manager.find(SigningKeyEntity, { where: { instanceId }, lock: { mode: 'pessimistic_write' } });
    for (const key of keys) {
      if (!key.retiresAt || !key.expiresAt || key.expiresAt.getTime() <= now) continue;
      const until = key.retiresAt.getTime() + afterRetirementMs;
      if (until > key.expiresAt.getTime()) {
        key.expiresAt = new Date(until);
        await manager.save(key);
      }
    }
  }

  async list(instanceId: string): Promise<KeyView[]> {
    const now = this.clock.now();
    const entities = await this.keys.find({ where: { instanceId }, order: { createdAt: 'DESC' } });
    return entities.map((entity) => ({ entity, state: keyState(entity, now) }));
  }

  /** The key that signs now; picked again when a key changes state or the rows are re-read. */
  async signingKey(instanceId: string): Promise<SigningKey> {
    const keys = await this.load(instanceId);
    if (keys.signing) return keys.signing;
    const entity = pickSigningKey(keys.entities, this.clock.now());
    if (!entity) throw new Error(`instance ${instanceId} has no active signing key`);
    let key = keys.privateKeys.get(entity.kid);
    if (!key) {
      const der = decryptPrivateKey(entity.privateKeyEncrypted, this.config.keyEncryptionKey, entity.kid);
      key = { kid: entity.kid, privateKey: createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }), encodedHeaders: new Map() };
      keys.privateKeys.set(entity.kid, key);
    }
    keys.signing = key;
    return key;
  }

  /** The published public keys, as JSON text built once per key change. */
  async jwksJson(instanceId: string): Promise<string> {
    return this.publishedJson(await this.load(instanceId));
  }

  /** jwksJson at once when the instance's keys are cached and need no reading; else undefined. */
  cachedJwksJson(instanceId: string): string | undefined {
    const keys = this.cached(instanceId, this.clock.now());
    return keys && this.publishedJson(keys);
  }

  private publishedJson(keys: InstanceKeys): string {
    if (!keys.jwksJson) {
      const now = this.clock.now();
      keys.jwksJson = JSON.stringify({ keys: keys.entities.filter((k) => isPublished(k, now)).map((k) => k.publicJwk) });
    }
    return keys.jwksJson;
  }

  /** The published public key with this kid, for verifying our own tokens. */
  async publicKey(instanceId: string, kid: string): Promise<KeyObject | undefined> {
    const keys = await this.load(instanceId);
    const entity = keys.entities.find((k) => k.kid === kid && isPublished(k, this.clock.now()));
    return entity ? createPublicKey({ key: entity.publicJwk as never, format: 'jwk' }) : undefined;
  }

  private async load(instanceId: string): Promise<InstanceKeys> {
    const now = this.clock.now();
    const cached = this.cached(instanceId, now);
    if (cached) return cached;
    const entities = await this.keys.find({ where: { instanceId } });
    const entry: InstanceKeys = { entities, privateKeys: this.cache.get(instanceId)?.privateKeys ?? new Map(), reloadAt: now.getTime() + this.config.cacheTtlSeconds * 1000, derivedUntil: 0 };
    this.cache.set(instanceId, entry);
    return this.derived(entry, now);
  }

  /** The instance's cached keys while their rows need no reading again. */
  private cached(instanceId: string, now: Date): InstanceKeys | undefined {
    const entry = this.cache.get(instanceId);
    return entry && now.getTime() < entry.reloadAt ? this.derived(entry, now) : undefined;
  }

  /** A key changing state (pending -> active -> retired -> expired) needs only the derived values rebuilt. */
  private derived(entry: InstanceKeys, now: Date): InstanceKeys {
    if (now.getTime() >= entry.derivedUntil) {
      entry.jwksJson = undefined;
      entry.signing = undefined;
      entry.derivedUntil = nextTransition(entry.entities, now)?.getTime() ?? Infinity;
    }
    return entry;
  }

  private async newKey(instanceId: string, activatesAt: Date): Promise<SigningKeyEntity> {
    const { publicKey, privateKey } = await generateRsa('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
    const kid = randomHexId(16);
    const jwk: JWK = { ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'RS256' };
    const der = privateKey.export({ format: 'der', type: 'pkcs8' });
    return this.keys.create({
      instanceId,
      kid,
      publicJwk: { kty: jwk.kty, use: jwk.use, alg: jwk.alg, kid: jwk.kid, n: jwk.n, e: jwk.e },
      privateKeyEncrypted: encryptPrivateKey(der, this.config.keyEncryptionKey, kid),
      activatesAt,
      retiresAt: null,
      expiresAt: null,
    });
  }
}
