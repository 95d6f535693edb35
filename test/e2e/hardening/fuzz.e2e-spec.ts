import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { s256 } from '@app/oauth-core';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { Browser, parseForm } from '../../utils/browser';
import { auth, createApplication, createInstance, createUser } from '../../utils/fixtures';
import { ADMIN_KEY, startTestServer, type TestServer } from '../../utils/test-server';
import { CALLBACK, PASSWORD } from '../sign-in/sign-in.fixture';
import { fuzzCases, type FuzzCase, type FuzzRequest, type FuzzTargets } from './fuzz.cases';
import { NO_RATE_LIMITS } from './hardening.fixture';

/** Any seed reproduces its run: FUZZ_SEED=123 npm test -- test/e2e/hardening/fuzz */
const SEED = Number(process.env.FUZZ_SEED ?? 0x1d5eed);

interface FuzzResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Sends exactly what the case says: the path as it is (broken encodings included), its headers, its body. */
function send(port: number, r: FuzzRequest): Promise<FuzzResponse> {
  if (r.raw) return sendRaw(port, r.raw);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Connection: 'close', ...r.headers };
    if (r.body && !headers['Transfer-Encoding']) headers['Content-Length'] = String(r.body.length);
    const req = httpRequest({ host: '127.0.0.1', port, method: r.method, path: r.path, headers, setHost: false, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    // The server may answer (413) and close before the whole body is written: the answer counts.
    req.on('error', (e) => setTimeout(() => reject(e), 50));
    req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
    req.end(r.body);
  });
}

/** A bare socket: for bytes that an HTTP client refuses to send. Reads until the server closes. */
function sendRaw(port: number, bytes: Buffer): Promise<FuzzResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
      const split = text.indexOf('\r\n\r\n');
      const head = split >= 0 ? text.slice(0, split) : text;
      const headers: Record<string, string> = {};
      for (const line of head.split('\r\n').slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      let body = split >= 0 ? text.slice(split + 4) : '';
      if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = dechunk(body);
      resolve({ status, headers, body: Buffer.from(body, 'latin1') });
    });
    socket.write(bytes);
  });
}

/** The body of a chunked response (as read off a bare socket). */
function dechunk(text: string): string {
  let out = '';
  let rest = text;
  for (;;) {
    const eol = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, eol), 16);
    if (eol < 0 || !size) return out;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}

const contentType = (res: FuzzResponse) => String(res.headers['content-type'] ?? '');
const isJson = (res: FuzzResponse) => /^application\/json\b/.test(contentType(res));
const isHtml = (res: FuzzResponse) => /^text\/html\b/.test(contentType(res));
const is4xx = (res: FuzzResponse) => res.status >= 400 && res.status < 500;

function jsonBody(res: FuzzResponse): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(res.body.toString('utf8'));
    return v && typeof v === 'object' ? v : undefined;
  } catch {
    return undefined;
  }
}

function jsonError(res: FuzzResponse): boolean {
  const body = jsonBody(res);
  return is4xx(res) && isJson(res) && typeof body?.error === 'string' && body.error.length > 0;
}

/** What is wrong with this answer to this case, or undefined. */
function problem(c: FuzzCase, res: FuzzResponse, baselines: Map<string, string>, redirectUri: string): string | undefined {
  if (res.status >= 500 || res.status === 0) return `status ${res.status}`;
  const text = res.body.toString('utf8');
  if (/\bat .+\.(ts|js):\d+|node_modules|QueryFailedError|TypeError|ReferenceError/.test(text)) return 'internals in the body';
  const location = res.headers.location as string | undefined;
  switch (c.expect) {
    case 'json-error':
      return jsonError(res) ? undefined : 'expected a 4xx JSON error';
    case 'html-error':
      return is4xx(res) && isHtml(res) && !location ? undefined : 'expected a 4xx HTML error page';
    case 'authorize-redirect-error': {
      if ((res.status === 302 || res.status === 303) && (location?.startsWith(`${redirectUri}?`) || location?.startsWith(`${redirectUri}#`))) {
        const url = new URL(location);
        // An unknown response_type cannot tell the response mode: the error then goes in the fragment.
        const params = url.hash ? new URLSearchParams(url.hash.slice(1)) : url.searchParams;
        return params.get('error') && params.get('iss') ? undefined : 'redirected without error and iss';
      }
      return 'expected the error at the redirect_uri';
    }
    case 'page-no-redirect':
      return isHtml(res) && !location && res.status !== 302 ? undefined : 'expected a page without redirect';
    case 'inactive':
      return (res.status === 200 && text === '{"active":false}') || jsonError(res) ? undefined : 'expected {"active":false} or a JSON error';
    case 'revoked':
      return (res.status === 200 && res.body.length === 0) || jsonError(res) ? undefined : 'expected 200 (RFC 7009) or a JSON error';
    case 'unchanged': {
      const baseline = baselines.get(c.request.path.split('?')[0]);
      return (res.status === 200 && text === baseline) || jsonError(res) ? undefined : 'expected the normal answer or a JSON error';
    }
    case 'http-error':
      return is4xx(res) && (res.body.length === 0 || jsonError(res)) ? undefined : 'expected a 4xx (JSON when it has a body)';
  }
}

/**
 * The audit log records every admin mutation that was attempted, refused ones included: it is
 * meant to grow under a fuzz run. It is checked apart: each new row must record a refusal.
 */
const AUDIT_LOG = 'audit_events';

/** Every table's row count and a hash of its rows (but the audit log's). */
async function snapshot(db: DataSource): Promise<Record<string, string>> {
  const tables: { name: string }[] = await db.query(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1`);
  const out: Record<string, string> = {};
  for (const { name } of tables) {
    if (name === AUDIT_LOG) continue;
    const [row] = await db.query(`SELECT count(*)::int AS n, md5(coalesce(string_agg(md5(t::text), '' ORDER BY md5(t::text)), '')) AS h FROM "${name}" t`);
    out[name] = `${row.n} rows, ${row.h}`;
  }
  return out;
}

/** A database of its own on the PostgreSQL of DATABASE_URL (other suites write to the shared one meanwhile). */
async function ownDatabase(): Promise<{ env: Record<string, string>; dispose(): Promise<void> }> {
  const shared = process.env.DATABASE_URL;
  if (!shared) return { env: {}, dispose: async () => undefined };
  const name = `iis_fuzz_${randomBytes(5).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new Client({ connectionString: shared });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(shared);
  url.pathname = `/${name}`;
  return { env: { DATABASE_URL: url.toString() }, dispose: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined) };
}

describe(`hardening: fuzzing every endpoint (seed ${SEED})`, () => {
  let ts: TestServer;
  let database: Awaited<ReturnType<typeof ownDatabase>>;
  let targets: FuzzTargets;
  const baselines = new Map<string, string>();

  beforeAll(async () => {
    database = await ownDatabase();
    ts = await startTestServer({ ...database.env, ...(process.env.FUZZ_LOG_LEVEL ? { LOG_LEVEL: process.env.FUZZ_LOG_LEVEL } : {}) });
    await ts.listen();
    const instance = await createInstance(ts, NO_RATE_LIMITS);
    await createUser(ts, instance, { Login: 'john.doe', Password: PASSWORD });
    await createUser(ts, instance, { Login: 'svc', Name: 'Service' });
    const app = await createApplication(ts, instance, { Scope: 'read', ImpersonateAsInternalUserAllowed: true, ImpersonateLoginUrl: CALLBACK, SystemUser: 'svc', SystemUserAllowed: true, AccessTokens: 'AuthenticatedUsers' });
    const browser = new Browser(ts);
    const page = await browser.get(`http://${instance.host}/id/account/login`);
    const csrfCookie = `iis.csrf=${browser.cookies(instance.host).get('iis.csrf')}`;
    targets = {
      host: instance.host,
      adminKey: ADMIN_KEY,
      instanceName: instance.name,
      userLogin: 'john.doe',
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      redirectUri: CALLBACK,
      codeChallenge: s256(randomBytes(32).toString('base64url')),
      csrfCookie,
      csrfToken: parseForm(page.text).fields.csrf,
    };
    for (const path of ['/sys/auto-discovery', '/id/.well-known/openid-configuration', '/id/.well-known/openid-configuration/jwks']) {
      baselines.set(path, (await ts.http().get(path).set('Host', instance.host).expect(200)).text);
    }
    // The admin API must still answer normally after the run (checked at the end).
    await ts.http().get(`/admin/v1/instances/${instance.name}`).set(auth).expect(200);
  });
  afterAll(async () => {
    await ts?.close();
    await database?.dispose();
  });

  it('answers every malformed, oversized, repeated or wrongly encoded request with a 4xx in its format, never a 5xx, and changes nothing stored', async () => {
    const cases = fuzzCases(SEED, targets);
    const db = ts.server.app.get(DataSource);
    const before = await snapshot(db);
    const hasAuditLog = (await db.query(`SELECT to_regclass($1) AS t`, [AUDIT_LOG]))[0].t !== null;
    const auditBefore = hasAuditLog ? Number((await db.query(`SELECT coalesce(max(id), 0) AS id FROM ${AUDIT_LOG}`))[0].id) : 0;

    const failures: string[] = [];
    for (const c of cases) {
      let res: FuzzResponse;
      try {
        res = await send(ts.port!, c.request);
      } catch (e) {
        failures.push(`${c.endpoint} | ${c.name} | no answer: ${(e as Error).message}`);
        continue;
      }
      const wrong = problem(c, res, baselines, targets.redirectUri);
      if (wrong) failures.push(`${c.endpoint} | ${c.name} | ${wrong}: ${res.status} ${contentType(res)} ${res.body.toString('utf8').slice(0, 160).replace(/\s+/g, ' ')}`);
    }

    const after = await snapshot(db);
    expect(failures).toEqual([]);
    expect(after).toEqual(before);
    if (hasAuditLog) {
      const recorded: { status: number }[] = await db.query(`SELECT (details->>'status')::int AS status FROM ${AUDIT_LOG} WHERE id > $1`, [auditBefore]);
      expect(recorded.filter((r) => !(r.status >= 400 && r.status < 500))).toEqual([]);
    }
    expect(cases.length).toBeGreaterThan(1000);
    // The server is still well.
    expect((await ts.http().get('/sys/auto-discovery').set('Host', targets.host)).text).toBe(baselines.get('/sys/auto-discovery'));
  });

  it('limits every body to 64 KiB: forms and admin JSON alike (413 in the endpoint\'s format); just under is read', async () => {
    const pad = (n: number) => 'p'.repeat(n);
    const token = (size: number) => send(ts.port!, { method: 'POST', path: '/id/connect/token', headers: { Host: targets.host, 'Content-Type': 'application/x-www-form-urlencoded' }, body: Buffer.from(`grant_type=client_credentials&pad=${pad(size)}`) });
    const admin = (size: number) =>
      send(ts.port!, { method: 'PATCH', path: `/admin/v1/instances/${targets.instanceName}`, headers: { Host: targets.host, Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' }, body: Buffer.from(JSON.stringify({ Pad: pad(size) })) });
    const login = (size: number) => send(ts.port!, { method: 'POST', path: '/id/account/login', headers: { Host: targets.host, 'Content-Type': 'application/x-www-form-urlencoded' }, body: Buffer.from(`username=x&password=${pad(size)}`) });
    for (const [name, call, type] of [['token', token, /json/], ['admin', admin, /json/], ['login', login, /html/]] as const) {
      const over = await call(64 * 1024);
      expect({ name, status: over.status, type: type.test(contentType(over)) }).toEqual({ name, status: 413, type: true });
      const under = await call(60 * 1024);
      expect({ name, status: under.status }).toEqual({ name, status: name === 'token' ? 401 : name === 'admin' ? 400 : 403 });
    }
    expect(jsonBody(await admin(64 * 1024))).toMatchObject({ error: 'invalid_request' });
  });

  it('is deterministic: the same seed gives the same cases', () => {
    const names = (seed: number) => fuzzCases(seed, targets).map((c) => `${c.endpoint} ${c.name} ${c.request.path} ${c.request.body?.toString('base64') ?? ''}`);
    expect(names(SEED)).toEqual(names(SEED));
    expect(names(SEED + 1)).not.toEqual(names(SEED));
  });
});
