import { randomBytes } from 'node:crypto';
import { parseProxyTrust, type ProxyTrust } from '../common/http/proxy-trust';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { EnvDto } from './env.dto';

export const APP_CONFIG = Symbol('APP_CONFIG');

export interface AppConfig {
  port: number;
  /** Absent: the embedded PGlite database in `dataDir`. */
  databaseUrl?: string;
  /** Directory of the embedded database and generated dev secrets; ':memory:' keeps everything in memory. */
  dataDir: string;
  adminApiKey?: string;
  keyEncryptionKey: Buffer;
  keyEncryptionKeyGenerated: boolean;
  /** Which proxies' X-Forwarded-* headers count (TRUST_PROXY); see common/http/proxy-trust.ts. */
  trustProxy: ProxyTrust;
  seedDemo: boolean;
  keyPropagationDelaySeconds: number;
  cacheTtlSeconds: number;
  dbPoolSize: number;
  /** Server processes (node:cluster workers); 1 runs in the main process. */
  workers: number;
  logLevel: string;
  /** Serve the hot machine-to-machine routes in front of Fastify (src/fast-lane). */
  fastLane: boolean;
  /** How long a client may take to send a whole request (headers and body). */
  requestTimeoutSeconds: number;
  smtpUrl?: string;
  mailFrom: string;
  /** Seconds between purges of expired rows on each node (modules/housekeeping); 0 never purges by itself. */
  housekeepingIntervalSeconds: number;
  /** Days the audit log keeps an event; 0 keeps every event. */
  auditRetentionDays: number;
  /** Days an instance's newest signing key signs before housekeeping rotates it; 0 rotates only when asked. */
  keyRotationDays: number;
}

export class InvalidConfiguration extends Error {}

/** Reads and validates the environment once; throws listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const dto = plainToInstance(EnvDto, { ...env }, { enableImplicitConversion: false });
  const errors = validateSync(dto, { whitelist: false });
  if (errors.length > 0) {
    const lines = errors.map((e) => `${e.property}: ${Object.values(e.constraints ?? {}).join(', ')}`);
    throw new InvalidConfiguration(`invalid environment:\n  ${lines.join('\n  ')}`);
  }
  const trustProxy = parseProxyTrust(dto.TRUST_PROXY);
  if (trustProxy === 'invalid') {
    throw new InvalidConfiguration('invalid environment:\n  TRUST_PROXY: must be true, false, a number of proxy hops, or a comma-separated list of proxy addresses and CIDR ranges');
  }
  const dataDir = dto.DATA_DIR === ':memory:' ? ':memory:' : resolve(dto.DATA_DIR || './data');
  const kek = resolveKeyEncryptionKey(dto.KEY_ENCRYPTION_KEY, dataDir);
  return {
    port: dto.PORT ?? 3000,
    databaseUrl: dto.DATABASE_URL,
    dataDir,
    adminApiKey: dto.ADMIN_API_KEY,
    keyEncryptionKey: kek.key,
    keyEncryptionKeyGenerated: kek.generated,
    trustProxy,
    seedDemo: dto.SEED_DEMO ?? true,
    keyPropagationDelaySeconds: dto.KEY_PROPAGATION_DELAY_SECONDS ?? 300,
    cacheTtlSeconds: dto.CACHE_TTL_SECONDS ?? 30,
    dbPoolSize: dto.DB_POOL_SIZE ?? 10,
    workers: dto.WORKERS ?? availableParallelism(),
    logLevel: dto.LOG_LEVEL ?? 'info',
    fastLane: dto.FAST_LANE ?? true,
    requestTimeoutSeconds: dto.REQUEST_TIMEOUT_SECONDS ?? 30,
    smtpUrl: dto.SMTP_URL,
    mailFrom: dto.MAIL_FROM || 'ERP.net ID <no-reply@localhost>',
    housekeepingIntervalSeconds: dto.HOUSEKEEPING_INTERVAL_SECONDS ?? 3600,
    auditRetentionDays: dto.AUDIT_RETENTION_DAYS ?? 0,
    keyRotationDays: dto.KEY_ROTATION_DAYS ?? 90,
  };
}

function decodeKey(value: string): Buffer {
  return /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, value.includes('_') || value.includes('-') ? 'base64url' : 'base64');
}

// Without KEY_ENCRYPTION_KEY a key is generated into DATA_DIR so that a dev setup survives restarts.
function resolveKeyEncryptionKey(value: string | undefined, dataDir: string): { key: Buffer; generated: boolean } {
  if (value) return { key: decodeKey(value), generated: false };
  if (dataDir === ':memory:') return { key: randomBytes(32), generated: true };
  const file = join(dataDir, 'key-encryption-key');
  if (existsSync(file)) return { key: decodeKey(readFileSync(file, 'utf8').trim()), generated: true };
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('hex') + '\n', { mode: 0o600 });
  return { key, generated: true };
}
