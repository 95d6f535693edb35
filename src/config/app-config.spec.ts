import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { InvalidConfiguration, loadConfig } from './app-config';

const KEK = randomBytes(32);
const KEK_HEX = KEK.toString('hex');

/** The error loadConfig throws for `env`, which must be an InvalidConfiguration. */
const configError = (env: Record<string, string>): InvalidConfiguration => {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidConfiguration);
    return e as InvalidConfiguration;
  }
  throw new Error(`expected loadConfig(${JSON.stringify(env)}) to throw`);
};

describe(loadConfig.name, () => {
  it('applies the documented defaults', () => {
    const sut = loadConfig({ KEY_ENCRYPTION_KEY: KEK_HEX });
    expect(sut).toEqual({
      port: 3000,
      databaseUrl: undefined,
      dataDir: resolve('./data'),
      adminApiKey: undefined,
      keyEncryptionKey: KEK,
      keyEncryptionKeyGenerated: false,
      trustProxy: false,
      seedDemo: true,
      keyPropagationDelaySeconds: 300,
      cacheTtlSeconds: 30,
      dbPoolSize: 10,
      workers: availableParallelism(),
      logLevel: 'info',
      fastLane: true,
      requestTimeoutSeconds: 30,
      smtpUrl: undefined,
      mailFrom: 'ERP.net ID <no-reply@localhost>',
      housekeepingIntervalSeconds: 3600,
      auditRetentionDays: 0,
      keyRotationDays: 90,
    });
  });

  it('treats empty numbers and booleans as unset', () => {
    const sut = loadConfig({ KEY_ENCRYPTION_KEY: KEK_HEX, PORT: '', TRUST_PROXY: '', SEED_DEMO: '', DB_POOL_SIZE: '' });
    expect([sut.port, sut.trustProxy, sut.seedDemo, sut.dbPoolSize]).toEqual([3000, false, true, 10]);
  });

  it('reads every variable', () => {
    const sut = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgres://iis:pw@db:5432/iis',
      DATA_DIR: ':memory:',
      ADMIN_API_KEY: 'an-admin-key-of-enough-length',
      KEY_ENCRYPTION_KEY: KEK_HEX,
      TRUST_PROXY: 'true',
      SEED_DEMO: 'false',
      KEY_PROPAGATION_DELAY_SECONDS: '0',
      CACHE_TTL_SECONDS: '5',
      DB_POOL_SIZE: '20',
      WORKERS: '4',
      LOG_LEVEL: 'debug',
      FAST_LANE: 'false',
      REQUEST_TIMEOUT_SECONDS: '45',
      SMTP_URL: 'smtp://mail.example.com:587',
      MAIL_FROM: 'ERP.net ID <id@example.com>',
      HOUSEKEEPING_INTERVAL_SECONDS: '600',
      AUDIT_RETENTION_DAYS: '365',
      KEY_ROTATION_DAYS: '30',
    });
    expect(sut).toEqual({
      port: 8080,
      databaseUrl: 'postgres://iis:pw@db:5432/iis',
      dataDir: ':memory:',
      adminApiKey: 'an-admin-key-of-enough-length',
      keyEncryptionKey: KEK,
      keyEncryptionKeyGenerated: false,
      trustProxy: 1,
      seedDemo: false,
      keyPropagationDelaySeconds: 0,
      cacheTtlSeconds: 5,
      dbPoolSize: 20,
      workers: 4,
      logLevel: 'debug',
      fastLane: false,
      requestTimeoutSeconds: 45,
      smtpUrl: 'smtp://mail.example.com:587',
      mailFrom: 'ERP.net ID <id@example.com>',
      housekeepingIntervalSeconds: 600,
      auditRetentionDays: 365,
      keyRotationDays: 30,
    });
  });

  it.each<[string, unknown]>([
    ['true', 1],
    ['1', 1],
    ['TRUE', 1],
    ['false', false],
    ['0', false],
    ['2', 2],
    ['10.0.0.0/8, 127.0.0.1', ['10.0.0.0/8', '127.0.0.1']],
    ['::1', ['::1']],
  ])('reads TRUST_PROXY %j as %j (true: the one proxy in front; a hop count; proxy addresses)', (value, expected) => {
    expect(loadConfig({ DATA_DIR: ':memory:', TRUST_PROXY: value }).trustProxy).toEqual(expected);
  });

  it.each(['yes', '10.0.0.0/33', '10.0.0.1,,10.0.0.2', 'proxy.example.com'])('refuses TRUST_PROXY %j', (value) => {
    expect(() => loadConfig({ DATA_DIR: ':memory:', TRUST_PROXY: value })).toThrow(/TRUST_PROXY/);
  });

  it.each(['postgres://localhost/iis', 'postgresql://u:p@127.0.0.1:5432/iis?sslmode=require'])('accepts DATABASE_URL %s', (url) => {
    expect(loadConfig({ DATA_DIR: ':memory:', DATABASE_URL: url }).databaseUrl).toBe(url);
  });

  it.each([
    ['hex', KEK.toString('hex')],
    ['upper-case hex', KEK.toString('hex').toUpperCase()],
    ['base64', KEK.toString('base64')],
    ['base64url', KEK.toString('base64url')],
  ])('decodes a KEY_ENCRYPTION_KEY in %s to the same 32 bytes', (_name, value) => {
    expect(loadConfig({ DATA_DIR: ':memory:', KEY_ENCRYPTION_KEY: value }).keyEncryptionKey).toEqual(KEK);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '3000.5'],
    ['PORT', ' '],
    ['PORT', '0x50'],
    ['PORT', '1e3'],
    ['DATABASE_URL', 'mysql://localhost/iis'],
    ['DATABASE_URL', 'localhost:5432'],
    ['DATABASE_URL', ' postgres://localhost/iis'],
    ['ADMIN_API_KEY', 'short'],
    ['KEY_ENCRYPTION_KEY', 'not-a-key'],
    ['KEY_ENCRYPTION_KEY', KEK_HEX.slice(1)],
    ['KEY_ENCRYPTION_KEY', randomBytes(16).toString('hex')],
    ['KEY_ENCRYPTION_KEY', randomBytes(48).toString('base64')],
    ['TRUST_PROXY', 'yes'],
    ['SEED_DEMO', 'no'],
    ['KEY_PROPAGATION_DELAY_SECONDS', '-5'],
    ['CACHE_TTL_SECONDS', 'soon'],
    ['DB_POOL_SIZE', '0'],
    ['DB_POOL_SIZE', '101'],
    ['WORKERS', '0'],
    ['WORKERS', 'many'],
    ['LOG_LEVEL', 'verbose'],
  ])('rejects %s=%j, naming the variable', (name, value) => {
    const error = configError({ DATA_DIR: ':memory:', [name]: value });
    expect(error.message).toMatch(new RegExp(`^  ${name}: `, 'm'));
  });

  it('lists every bad variable in one error', () => {
    const error = configError({ PORT: 'http', DATABASE_URL: 'mysql://x/y', KEY_ENCRYPTION_KEY: 'short', DATA_DIR: ':memory:' });
    const lines = error.message.split('\n').slice(1).map((l) => l.trim().split(':')[0]);
    expect(lines.sort()).toEqual(['DATABASE_URL', 'KEY_ENCRYPTION_KEY', 'PORT']);
    expect(error.message).toContain('DATABASE_URL must be a postgres:// URL');
    expect(error.message).toContain('KEY_ENCRYPTION_KEY must be 32 bytes');
  });

  it('does not leak the rejected values into the message', () => {
    const error = configError({ DATA_DIR: ':memory:', ADMIN_API_KEY: 'tooShortSecret', DATABASE_URL: 'mysql://user:hunter2@db/x' });
    expect(error.message).not.toContain('tooShortSecret');
    expect(error.message).not.toContain('hunter2');
  });

  describe("DATA_DIR ':memory:'", () => {
    it('keeps the data dir in memory and generates a fresh KEK per load, written nowhere', () => {
      const a = loadConfig({ DATA_DIR: ':memory:' });
      const b = loadConfig({ DATA_DIR: ':memory:' });
      expect(a.dataDir).toBe(':memory:');
      expect(a.keyEncryptionKeyGenerated).toBe(true);
      expect(a.keyEncryptionKey).toHaveLength(32);
      expect(a.keyEncryptionKey).not.toEqual(b.keyEncryptionKey);
      expect(existsSync(resolve(':memory:'))).toBe(false);
    });

    it('uses KEY_ENCRYPTION_KEY when given', () => {
      const sut = loadConfig({ DATA_DIR: ':memory:', KEY_ENCRYPTION_KEY: KEK_HEX });
      expect(sut.keyEncryptionKey).toEqual(KEK);
      expect(sut.keyEncryptionKeyGenerated).toBe(false);
    });
  });

  describe('a KEK generated into DATA_DIR', () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'iis-config-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('is created once, owner-only, and read back on the next start', () => {
      const dataDir = join(dir, 'nested', 'data');
      const first = loadConfig({ DATA_DIR: dataDir });
      const file = join(dataDir, 'key-encryption-key');
      expect(first.dataDir).toBe(dataDir);
      expect(first.keyEncryptionKeyGenerated).toBe(true);
      expect(readFileSync(file, 'utf8')).toBe(first.keyEncryptionKey.toString('hex') + '\n');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const second = loadConfig({ DATA_DIR: dataDir });
      expect(second.keyEncryptionKey).toEqual(first.keyEncryptionKey);
      expect(second.keyEncryptionKeyGenerated).toBe(true);
    });

    it('is ignored when KEY_ENCRYPTION_KEY is set', () => {
      writeFileSync(join(dir, 'key-encryption-key'), randomBytes(32).toString('hex'));
      expect(loadConfig({ DATA_DIR: dir, KEY_ENCRYPTION_KEY: KEK_HEX }).keyEncryptionKey).toEqual(KEK);
    });

    it('is not created when KEY_ENCRYPTION_KEY is set', () => {
      loadConfig({ DATA_DIR: dir, KEY_ENCRYPTION_KEY: KEK_HEX });
      expect(existsSync(join(dir, 'key-encryption-key'))).toBe(false);
    });
  });

  it('resolves a relative DATA_DIR against the working directory', () => {
    expect(loadConfig({ DATA_DIR: 'var/iis', KEY_ENCRYPTION_KEY: KEK_HEX }).dataDir).toBe(resolve('var/iis'));
  });

  it('treats an empty DATA_DIR as unset (./data), not as the working directory', () => {
    expect(loadConfig({ DATA_DIR: '', KEY_ENCRYPTION_KEY: KEK_HEX }).dataDir).toBe(resolve('./data'));
  });
});
