// node-oidc-provider (panva, v9, ESM-only), configured as close to our server as it allows, for the
// side-by-side benchmark (bench/run.mjs). Runs as its own process; prints "ready <port>" when it listens.
//
// - one Confidential client with client_secret_post, allowed client_credentials, authorization_code
//   and refresh_token (a second one, bench.intro, receives opaque tokens for introspection);
// - RS256 JWT access tokens through resource indicators (one resource server, urn:bench:api);
// - a static RS256 JWKS (BENCH_JWK: a private JWK passed by the bench, so both servers sign with
//   RSA-2048 keys);
// - refresh tokens rotate on every use, as ours do;
// - a sign-in page of our own (devInteractions off) that checks an argon2id hash with the same
//   parameters as ours, and grants the requested scopes without a consent page (ours has none for
//   Trusted Applications);
// - an in-memory adapter (Maps): codes, sessions, grants and refresh tokens stay in the process,
//   where ours writes them to PostgreSQL.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import Provider from 'oidc-provider';

const require = createRequire(import.meta.url);
const argon2 = require('@node-rs/argon2');

const PORT = Number(process.env.PORT ?? 4200);
const ISSUER = `http://127.0.0.1:${PORT}`;
const RESOURCE = 'urn:bench:api';
const CALLBACK = process.env.BENCH_CALLBACK ?? 'https://app.example.com/signin-callback';
const SECRET = process.env.BENCH_CLIENT_SECRET ?? 'bench-client-secret-0123456789';
const USER = { login: 'alice', password: process.env.BENCH_USER_PASSWORD ?? 'correct horse battery' };
// The same cost as src/modules/users/password-hasher.ts.
const ARGON2 = { algorithm: argon2.Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 };
const passwordHash = await argon2.hash(USER.password, ARGON2);

const jwk = JSON.parse(process.env.BENCH_JWK ?? 'null');
if (!jwk) throw new Error('BENCH_JWK (a private RSA JWK) is required');

// The bundled development adapter keeps at most 1,000 entries (an LRU), so thousands of codes made
// ahead of a run would be evicted: this one keeps everything in Maps until it expires.
const stores = new Map();
class MapAdapter {
  constructor(model) {
    this.model = model;
    this.items = stores.get(model) ?? new Map();
    stores.set(model, this.items);
  }
  async upsert(id, payload, expiresIn) {
    this.items.set(id, { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Infinity });
  }
  async find(id) {
    const item = this.items.get(id);
    if (!item) return undefined;
    if (item.expiresAt <= Date.now()) {
      this.items.delete(id);
      return undefined;
    }
    return item.payload;
  }
  async findByUid(uid) {
    for (const [id, item] of this.items) if (item.payload.uid === uid) return this.find(id);
    return undefined;
  }
  async findByUserCode(userCode) {
    for (const [id, item] of this.items) if (item.payload.userCode === userCode) return this.find(id);
    return undefined;
  }
  async consume(id) {
    const item = this.items.get(id);
    if (item) item.payload.consumed = Math.floor(Date.now() / 1000);
  }
  async destroy(id) {
    this.items.delete(id);
  }
  async revokeByGrantId(grantId) {
    for (const store of stores.values()) for (const [id, item] of store) if (item.payload.grantId === grantId) store.delete(id);
  }
}

const provider = new Provider(ISSUER, {
  adapter: MapAdapter,
  clients: [
    {
      client_id: 'bench.app',
      client_secret: SECRET,
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['client_credentials', 'authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [CALLBACK],
      scope: 'openid offline_access read update',
    },
    {
      client_id: 'bench.intro',
      client_secret: SECRET,
      token_endpoint_auth_method: 'client_secret_post',
      introspection_endpoint_auth_method: 'client_secret_post',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    },
  ],
  scopes: ['openid', 'offline_access', 'read', 'update'],
  jwks: { keys: [{ ...jwk, use: 'sig', alg: 'RS256' }] },
  cookies: { keys: ['bench-cookie-key-0123456789abcdef'] },
  findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub, name: 'Alice', email: 'alice@example.com', email_verified: true }) }),
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // Every token of bench.app is for the one API, as ours are for ERP.net's APIs.
      defaultResource: (ctx) => (ctx.oidc.client?.clientId === 'bench.app' ? RESOURCE : undefined),
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({ scope: 'read update', audience: RESOURCE, accessTokenTTL: 3600, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } }),
    },
  },
  pkce: { required: () => true },
  // Ours issues refresh tokens for offline_access without prompt=consent, and rotates them on every use.
  issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: () => true,
  ttl: { AuthorizationCode: 600, AccessToken: 3600, ClientCredentials: 3600, IdToken: 300, RefreshToken: 30 * 24 * 3600, Interaction: 600, Session: 8 * 3600, Grant: 30 * 24 * 3600 },
  renderError: (ctx, out) => {
    ctx.type = 'json';
    ctx.body = out;
  },
});
provider.proxy = false;

function form(body) {
  return Object.fromEntries(new URLSearchParams(body));
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (data += c));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

// The sign-in page: a login form, then a grant of what was asked (no consent page, as ours).
async function interaction(req, res) {
  const { uid, prompt, params } = await provider.interactionDetails(req, res);
  if (process.env.BENCH_DEBUG) console.error('interaction', req.method, JSON.stringify(prompt));
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(`<!doctype html><title>Sign in</title><form method="post" action="/interaction/${uid}/login"><input name="username"><input name="password" type="password"><button>Sign in</button></form>`);
    return;
  }
  const { username, password } = form(await readBody(req));
  if (username !== USER.login || !(await argon2.verify(passwordHash, password, ARGON2))) {
    res.writeHead(401, { 'content-type': 'text/plain' });
    res.end('wrong username or password');
    return;
  }
  const grant = new provider.Grant({ accountId: username, clientId: params.client_id });
  // Everything asked for (`read` is both a scope the provider knows and the resource server's).
  grant.addOIDCScope(String(params.scope ?? 'openid'));
  grant.addResourceScope(RESOURCE, 'read update');
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { login: { accountId: username }, consent: { grantId } }, { mergeWithLastSubmission: false });
}

const callback = provider.callback();
const server = createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((e) => {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(String(e?.message ?? e));
    });
    return;
  }
  callback(req, res);
});
server.keepAliveTimeout = 72_000;
server.listen(PORT, '127.0.0.1', () => console.log(`ready ${PORT}`));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
