// Seeds N instances straight into the database, in bulk SQL, for the many-instances part of the
// benchmark: creating them through the admin API would generate one RSA-2048 key per instance
// (tens of milliseconds each, over ten minutes for 10,000 on this machine).
//
// It boots the built server's database layer (createServer from dist: migrations included, no
// listening), then inserts per instance: the instance, its host i<n>.bench.localhost, one active
// signing key, a system user `svc` and a Confidential application `bench.app` with the bench
// secret. The key material comes from a pool of POOL RSA-2048 key pairs generated here; every
// instance still has its own kid, its own public JWK row and its own ciphertext (AES-256-GCM under
// KEY_ENCRYPTION_KEY with the kid as AAD), exactly as the server stores a key it generated.
//
// Env: as the server (DATA_DIR or DATABASE_URL, KEY_ENCRYPTION_KEY, ADMIN_API_KEY), plus
// BENCH_INSTANCES (default 10000), BENCH_SECRET_HASH. Prints one JSON line.
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const dist = new URL('../dist/src/', import.meta.url).pathname;
const { loadConfig } = require(`${dist}config/app-config.js`);
const { createServer } = require(`${dist}server.js`);
const { encryptPrivateKey } = require(`${dist}modules/keys/key-encryption.js`);
const { DataSource } = require('typeorm');

const COUNT = Number(process.env.BENCH_INSTANCES ?? 10_000);
const POOL = 16;
const BATCH = 500;
const secretHash = process.env.BENCH_SECRET_HASH;
if (!secretHash) throw new Error('BENCH_SECRET_HASH is required');

const t0 = performance.now();
const config = loadConfig();
const server = await createServer({ ...config, seedDemo: false });
const ds = server.app.get(DataSource);

const pool = Array.from({ length: POOL }, () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  return { n: jwk.n, e: jwk.e, der: privateKey.export({ format: 'der', type: 'pkcs8' }) };
});
const keysMs = performance.now() - t0;

function values(rows, width) {
  return rows.map((_, r) => `(${Array.from({ length: width }, (_, c) => `$${r * width + c + 1}`).join(', ')})`).join(', ');
}

const activates = new Date(Date.now() - 60_000);
// The per-instance rate limits (where the server has them) raised for the load test; other settings default.
const SETTINGS = JSON.stringify({ TokenRateLimitPerClient: 1_000_000, TokenRateLimitPerIp: 1_000_000, SignInRateLimitPerIp: 1_000_000, SignInRateLimitPerAccount: 1_000_000 });
const t1 = performance.now();
for (let start = 0; start < COUNT; start += BATCH) {
  const batch = [];
  for (let i = start; i < Math.min(COUNT, start + BATCH); i++) {
    const key = pool[i % POOL];
    const kid = randomBytes(16).toString('hex').toUpperCase();
    batch.push({
      id: randomUUID(),
      name: `i${String(i).padStart(5, '0')}`,
      kid,
      jwk: JSON.stringify({ kty: 'RSA', use: 'sig', alg: 'RS256', kid, n: key.n, e: key.e }),
      enc: encryptPrivateKey(key.der, config.keyEncryptionKey, kid),
    });
  }
  await ds.transaction(async (tx) => {
    const q = (sql, rows) => tx.query(sql.replace('%VALUES%', values(rows, rows[0].length)), rows.flat());
    await q(`INSERT INTO instances (id, name, type, database, settings) VALUES %VALUES%`, batch.map((b) => [b.id, b.name, 'Instance', `E1_${b.name.toUpperCase()}`, SETTINGS]));
    await q(`INSERT INTO instance_hosts (host, instance_id, position) VALUES %VALUES%`, batch.map((b) => [`${b.name}.bench.localhost`, b.id, 0]));
    await q(`INSERT INTO signing_keys (instance_id, kid, public_jwk, private_key_encrypted, activates_at) VALUES %VALUES%`, batch.map((b) => [b.id, b.kid, b.jwk, b.enc, activates]));
    await q(`INSERT INTO users (instance_id, login, name, user_type) VALUES %VALUES%`, batch.map((b) => [b.id, 'svc', 'Service', 'InternalUser']));
    await q(
      `INSERT INTO trusted_applications (instance_id, name, application_uri, client_type, application_secret_hash, scope, system_user_login, system_user_allowed) VALUES %VALUES%`,
      batch.map((b) => [b.id, 'Bench', 'bench.app', 'Confidential', secretHash, 'read update', 'svc', true]),
    );
  });
}
const insertMs = performance.now() - t1;
await server.close();
console.log(JSON.stringify({ instances: COUNT, keyPool: POOL, keysMs, insertMs, totalMs: performance.now() - t0 }));
process.exit(0);
