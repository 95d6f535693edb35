/**
 * Deterministic hostile requests for every endpoint: a seeded generator (mulberry32) turns a
 * well-formed request of each endpoint into broken ones, each with the answer it must get.
 */

/** The server's bodyLimit (src/server.ts). */
export const BODY_LIMIT = 64 * 1024;

export type Expectation =
  /** 4xx, application/json, a string `error` (RFC 6749 §5.2 style). */
  | 'json-error'
  /** 4xx, the HTML error page. */
  | 'html-error'
  /** The authorization endpoint after the client and redirect_uri were verified: an error sent to the redirect_uri (RFC 6749 §4.1.2.1). */
  | 'authorize-redirect-error'
  /** Below 500, an HTML page, and no redirect (end session with a hint that is not valid). */
  | 'page-no-redirect'
  /** RFC 7662: a token that is not one of ours is simply inactive (or the request is a json-error). */
  | 'inactive'
  /** RFC 7009: an unknown token is answered 200 like a revoked one (or the request is a json-error). */
  | 'revoked'
  /** Parameters this endpoint does not read: the normal answer, or a json-error. */
  | 'unchanged'
  /** Refused by the HTTP layer (Node's parser or Fastify): a 4xx, with a JSON `error` when there is a body. */
  | 'http-error';

export interface FuzzRequest {
  method: string;
  /** The request target exactly as sent (may hold broken percent-encoding or Latin-1 bytes). */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Sent over a bare socket: header bytes that an HTTP client would refuse to send. */
  raw?: Buffer;
}

export interface FuzzCase {
  endpoint: string;
  name: string;
  request: FuzzRequest;
  expect: Expectation;
}

export interface FuzzTargets {
  host: string;
  adminKey: string;
  instanceName: string;
  userLogin: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  codeChallenge: string;
  /** A CSRF cookie and field of the sign-in page, so that form fuzzing reaches past the CSRF check. */
  csrfCookie: string;
  csrfToken: string;
}

// ---- randomness ---------------------------------------------------------------------------

export type Rng = () => number;

export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (rng: Rng, min: number, max: number) => min + Math.floor(rng() * (max - min + 1));
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)];

function randomText(rng: Rng, length: number, alphabet: string): string {
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[Math.floor(rng() * alphabet.length)];
  return s;
}

const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');
const UNICODE = ['é', 'ß', 'Ж', '中', '😀', '\u202E', '\u0301', '\uFEFF', '\uFFFD', '\uD800', '\uDFFF', '\u2028', 'ǅ', 'ﬁ'];

/** A value no endpoint could mistake for a valid one: never empty, never whitespace only. */
export function garbage(rng: Rng): { label: string; value: string } {
  switch (int(rng, 0, 9)) {
    case 0:
      return { label: 'random printable', value: 'g' + randomText(rng, int(rng, 1, 64), PRINTABLE) };
    case 1:
      return { label: 'unicode', value: 'u' + Array.from({ length: int(rng, 1, 12) }, () => pick(rng, UNICODE)).join('') };
    case 2:
      return { label: 'control characters', value: 'c' + Array.from({ length: int(rng, 1, 8) }, () => String.fromCharCode(int(rng, 0, 31))).join('') };
    case 3:
      return { label: 'null byte', value: `nul\u0000${randomText(rng, 4, 'abcdef')}` };
    case 4:
      return { label: 'long (8 KiB)', value: 'L' + randomText(rng, 8 * 1024, 'abcdefghijklmnopqrstuvwxyz0123456789') };
    case 5:
      return { label: 'injection', value: pick(rng, ["' OR '1'='1' --", '<script>alert(1)</script>', '${jndi:ldap://x/a}', '../../../etc/passwd', '{{7*7}}', '"}],"a":{"$gt":""}', 'a\r\nSet-Cookie: x=1', '%00%0d%0a']) };
    case 6:
      return { label: 'number-like', value: pick(rng, ['-1', '1e309', 'NaN', '0x7fffffff', '99999999999999999999999', '-0', 'Infinity']) };
    case 7:
      return { label: 'JSON text', value: pick(rng, ['{"a":1}', '[1,2,3]', 'null', 'true', '{"__proto__":{"admin":true}}']) };
    case 8:
      return { label: 'dots and slashes', value: pick(rng, ['.', '..', '/', '\\', '//evil.example.com', 'javascript:alert(1)', 'http://[::1', 'https://evil.example.com/cb']) };
    default:
      return { label: 'lone surrogates', value: 's\uD83D\uD83D\uDE00\uDE00' };
  }
}

/** Raw bytes for a parameter value that are not valid percent-encoding or not valid UTF-8 once decoded. */
const BROKEN_ENCODINGS = ['%', '%G1', '%zz', 'abc%', '%E2%82', '%C3%28', '%ED%A0%80', '%F8%88%80%80%80', '%C0%AF', '%FF%FE', '%%41', '%u0041', '+%2B+%20%'];

// ---- encoding -----------------------------------------------------------------------------

/** A parameter list: a value is encoded as usual, `raw` goes on the wire as it is. */
type Param = [name: string, value: string | { raw: string }];

function encode(params: Param[]): string {
  return params.map(([k, v]) => `${pct(k)}=${typeof v === 'string' ? pct(v) : v.raw}`).join('&');
}

/** Percent-encodes the UTF-8 bytes of `s`; unlike encodeURIComponent it takes lone surrogates too (as U+FFFD, which is what a browser sends). */
function pct(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const FORM = 'application/x-www-form-urlencoded';
const entries = (o: Record<string, string>): Param[] => Object.entries(o);

/** Every way a parameter list can be broken through one of `slots` (names whose loss or damage must make the request fail). */
function breakParams(rng: Rng, base: Record<string, string>, slots: string[]): { name: string; params: Param[] }[] {
  const out: { name: string; params: Param[] }[] = [];
  const without = (slot: string) => entries(base).filter(([k]) => k !== slot);
  for (const slot of slots) {
    const g1 = garbage(rng);
    const g2 = garbage(rng);
    out.push({ name: `${slot}: ${g1.label}`, params: [...without(slot), [slot, g1.value]] });
    out.push({ name: `${slot}: ${g2.label}`, params: [...without(slot), [slot, g2.value]] });
    out.push({ name: `${slot}: broken percent-encoding`, params: [...without(slot), [slot, { raw: pick(rng, BROKEN_ENCODINGS) }]] });
    out.push({ name: `${slot}: repeated`, params: [...entries(base), [slot, base[slot] ?? 'x']] });
    out.push({ name: `${slot}: repeated with another value`, params: [...entries(base), [slot, garbage(rng).value]] });
    out.push({ name: `${slot}: as ${slot}[]`, params: [...without(slot), [`${slot}[]`, base[slot] ?? 'x']] });
    out.push({ name: `${slot}: missing`, params: without(slot) });
    out.push({ name: `${slot}: empty`, params: [...without(slot), [slot, '']] });
    out.push({ name: `${slot}: just under the body limit`, params: [...without(slot), [slot, 'x'.repeat(BODY_LIMIT - 2048)]] });
  }
  return out;
}

// ---- the endpoints ------------------------------------------------------------------------

export function fuzzCases(seed: number, t: FuzzTargets): FuzzCase[] {
  const rng = mulberry32(seed);
  const cases: FuzzCase[] = [];
  const host = { Host: t.host };
  const add = (endpoint: string, name: string, request: FuzzRequest, expect: Expectation) => cases.push({ endpoint, name, request, expect });
  const formPost = (path: string, body: string | Buffer, headers: Record<string, string> = {}): FuzzRequest => ({
    method: 'POST',
    path,
    headers: { ...host, 'Content-Type': FORM, ...headers },
    body: Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1'),
  });
  const get = (path: string, headers: Record<string, string> = {}): FuzzRequest => ({ method: 'GET', path, headers: { ...host, ...headers } });
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${pct(id)}:${pct(secret)}`).toString('base64')}`;

  /** Wrong media types and bodies over the limit, for any POST endpoint that takes a form. */
  function bodyAttacks(endpoint: string, path: string, valid: Record<string, string>, expect: Expectation, badBytes: [slot: string, expect: Expectation], headers: Record<string, string> = {}) {
    const json = JSON.stringify(valid);
    // What Fastify itself refuses (media type, size, JSON syntax): JSON, but the error page on browser pages.
    const refused: Expectation = expect === 'html-error' ? 'html-error' : 'http-error';
    add(endpoint, 'a JSON body', { method: 'POST', path, headers: { ...host, ...headers, 'Content-Type': 'application/json' }, body: Buffer.from(json) }, expect);
    add(endpoint, 'a JSON body with arrays and objects', { method: 'POST', path, headers: { ...host, ...headers, 'Content-Type': 'application/json' }, body: Buffer.from(JSON.stringify(Object.fromEntries(Object.keys(valid).map((k, i) => [k, i % 2 ? [valid[k]] : { v: valid[k] }])))) }, expect);
    add(endpoint, 'text/plain', { method: 'POST', path, headers: { ...host, ...headers, 'Content-Type': 'text/plain' }, body: Buffer.from(encode(entries(valid))) }, expect);
    add(endpoint, 'multipart/form-data', { method: 'POST', path, headers: { ...host, ...headers, 'Content-Type': 'multipart/form-data; boundary=x' }, body: Buffer.from(`--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--\r\n`) }, refused);
    add(endpoint, 'application/xml', { method: 'POST', path, headers: { ...host, ...headers, 'Content-Type': 'application/xml' }, body: Buffer.from('<a/>') }, refused);
    add(endpoint, 'no Content-Type', { method: 'POST', path, headers: { ...host, ...headers }, body: Buffer.from(encode(entries(valid))) }, expect);
    add(endpoint, 'a Content-Type with bad syntax', { method: 'POST', path, headers: { ...host, ...headers, 'Content-Type': ';;;=' }, body: Buffer.from(encode(entries(valid))) }, refused);
    add(endpoint, 'over the body limit', formPost(path, encode([...entries(valid), ['pad', 'x'.repeat(BODY_LIMIT + 1024)]]), headers), refused);
    add(endpoint, 'over the body limit, chunked', { ...formPost(path, encode([...entries(valid), ['pad', 'x'.repeat(BODY_LIMIT * 2)]]), headers), headers: { ...host, ...headers, 'Content-Type': FORM, 'Transfer-Encoding': 'chunked' } }, refused);
    const [slot, slotExpect] = badBytes;
    const others = encode(entries(valid).filter(([k]) => k !== slot));
    add(endpoint, `invalid UTF-8 bytes in ${slot}`, formPost(path, Buffer.concat([Buffer.from(`${others}&${slot}=`), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80])]), headers), slotExpect);
    add(endpoint, 'a JSON body that is not JSON', { method: 'POST', path, headers: { ...host, ...headers, 'Content-Type': 'application/json' }, body: Buffer.from('{"a":') }, refused);
    add(endpoint, 'JSON prototype pollution', { method: 'POST', path, headers: { ...host, ...headers, 'Content-Type': 'application/json' }, body: Buffer.from('{"__proto__":{"isAdmin":true}}') }, refused);
  }

  // Token endpoint: a valid client_credentials request, broken one way at a time.
  {
    const valid = { grant_type: 'client_credentials', client_id: t.clientId, client_secret: t.clientSecret, scope: 'read' };
    for (const c of breakParams(rng, valid, ['grant_type', 'client_id', 'client_secret'])) add('POST /id/connect/token', c.name, formPost('/id/connect/token', encode(c.params)), 'json-error');
    for (const c of breakParams(rng, valid, ['scope'])) {
      // An empty scope, a missing one or scope[] asks for the application's whole Scope: valid, so left out.
      if (/missing|empty|\[\]/.test(c.name)) continue;
      add('POST /id/connect/token', c.name, formPost('/id/connect/token', encode(c.params)), 'json-error');
    }
    const code = { grant_type: 'authorization_code', code: 'x', redirect_uri: t.redirectUri, code_verifier: 'v'.repeat(43), client_id: t.clientId, client_secret: t.clientSecret };
    for (const c of breakParams(rng, code, ['code', 'redirect_uri', 'code_verifier'])) add('POST /id/connect/token', `authorization_code, ${c.name}`, formPost('/id/connect/token', encode(c.params)), 'json-error');
    const refresh = { grant_type: 'refresh_token', refresh_token: 'x', client_id: t.clientId, client_secret: t.clientSecret };
    for (const c of breakParams(rng, refresh, ['refresh_token'])) add('POST /id/connect/token', `refresh_token, ${c.name}`, formPost('/id/connect/token', encode(c.params)), 'json-error');
    const ccOnly = encode(entries({ grant_type: 'client_credentials' }));
    for (const [name, header] of basicHeaders(rng, t, basic)) add('POST /id/connect/token', `Authorization: ${name}`, formPost('/id/connect/token', ccOnly, { Authorization: header }), 'json-error');
    add('POST /id/connect/token', 'Basic and client_secret both', formPost('/id/connect/token', encode(entries(valid)), { Authorization: basic(t.clientId, t.clientSecret) }), 'json-error');
    bodyAttacks('POST /id/connect/token', '/id/connect/token', valid, 'json-error', ['client_secret', 'json-error']);
    add('POST /id/connect/token', 'GET', get(`/id/connect/token?${encode(entries(valid))}`), 'json-error');
  }

  // Introspection and revocation: the client is checked strictly, the token is never "an error".
  for (const [path, tokenExpect] of [['/id/connect/introspect', 'inactive'], ['/id/connect/revocation', 'revoked']] as const) {
    const endpoint = `POST ${path}`;
    const valid = { token: 'not-a-token-of-ours', token_type_hint: 'access_token', client_id: t.clientId, client_secret: t.clientSecret };
    for (const c of breakParams(rng, valid, ['client_id', 'client_secret', 'token'])) {
      const tokenValue = c.name.startsWith('token:') && !/repeated|missing|empty|\[\]/.test(c.name);
      add(endpoint, c.name, formPost(path, encode(c.params)), tokenValue ? tokenExpect : 'json-error');
    }
    for (const c of breakParams(rng, valid, ['token_type_hint'])) add(endpoint, c.name, formPost(path, encode(c.params)), /repeated/.test(c.name) ? 'json-error' : tokenExpect);
    for (const [name, header] of basicHeaders(rng, t, basic)) add(endpoint, `Authorization: ${name}`, formPost(path, encode(entries({ token: 'x' })), { Authorization: header }), 'json-error');
    bodyAttacks(endpoint, path, valid, 'json-error', ['client_secret', 'json-error']);
  }

  // Userinfo: the bearer token in the header or in a form body.
  {
    const endpoint = 'GET|POST /id/connect/userinfo';
    for (let i = 0; i < 12; i++) {
      const g = garbage(rng);
      const headerSafe = g.value.replace(/[^\x20-\x7e]/g, '');
      add(endpoint, `Bearer ${g.label}`, get('/id/connect/userinfo', { Authorization: `Bearer ${headerSafe || 'x'}` }), 'json-error');
      add(endpoint, `access_token in the form: ${g.label}`, formPost('/id/connect/userinfo', encode([['access_token', g.value]])), 'json-error');
    }
    for (const header of ['Bearer', 'Bearer ', 'Bearer a b', 'bearer', 'Basic dXNlcjpwYXNz', 'Bearer ' + 'A'.repeat(12_000), 'Token abc', 'Bearer =====', 'Bearer a.b.c.d.e', 'Bearer eyJhbGciOiJub25lIn0.e30.']) {
      add(endpoint, `Authorization: ${header.slice(0, 30)}`, get('/id/connect/userinfo', { Authorization: header }), 'json-error');
    }
    add(endpoint, 'header and form both', formPost('/id/connect/userinfo', 'access_token=a', { Authorization: 'Bearer b' }), 'json-error');
    add(endpoint, 'access_token repeated', formPost('/id/connect/userinfo', 'access_token=a&access_token=b'), 'json-error');
    add(endpoint, 'access_token in the query', get('/id/connect/userinfo?access_token=abc'), 'json-error');
    add(endpoint, 'access_token broken encoding', formPost('/id/connect/userinfo', `access_token=${pick(rng, BROKEN_ENCODINGS)}`), 'json-error');
    bodyAttacks(endpoint, '/id/connect/userinfo', { access_token: 'abc' }, 'json-error', ['access_token', 'json-error']);
  }

  // Authorization endpoint: before the redirect_uri is verified an error page, after it an error sent to it.
  {
    const valid = { client_id: t.clientId, redirect_uri: t.redirectUri, response_type: 'code', scope: 'openid', state: 'st', code_challenge: t.codeChallenge, code_challenge_method: 'S256' };
    for (const method of ['GET', 'POST'] as const) {
      const endpoint = `${method} /id/connect/authorize`;
      const send = (params: Param[]): FuzzRequest => (method === 'GET' ? get(`/id/connect/authorize?${encode(params)}`) : formPost('/id/connect/authorize', encode(params)));
      for (const c of breakParams(rng, valid, ['client_id', 'redirect_uri'])) {
        if (method === 'GET' && c.name.includes('body limit')) continue; // a 62 KiB URL is a header-size error, covered below
        add(endpoint, c.name, send(c.params), 'html-error');
      }
      for (const slot of ['response_type', 'code_challenge', 'code_challenge_method', 'prompt', 'max_age', 'response_mode', 'claims', 'scope']) {
        const g = garbage(rng);
        add(endpoint, `${slot}: ${g.label}`, send([...entries(valid).filter(([k]) => k !== slot), [slot, `!${g.value}`]]), 'authorize-redirect-error');
        add(endpoint, `${slot}: repeated`, send([...entries(valid), [slot, valid[slot as keyof typeof valid] ?? 'x']]), 'authorize-redirect-error');
      }
      add(endpoint, 'a request object', send([...entries(valid), ['request', 'eyJhbGciOiJub25lIn0.e30.']]), 'authorize-redirect-error');
      add(endpoint, 'request_uri', send([...entries(valid), ['request_uri', 'https://evil.example.com/r']]), 'authorize-redirect-error');
    }
    bodyAttacks('POST /id/connect/authorize', '/id/connect/authorize', { client_id: t.clientId }, 'html-error', ['client_id', 'html-error']);
    add('GET /id/connect/authorize', 'a URL over the header limit', get(`/id/connect/authorize?client_id=${'a'.repeat(20_000)}`), 'http-error');
    // Bytes above 0x7F that are not percent-encoded: Node's parser refuses the request line itself.
    add('GET /id/connect/authorize', 'Latin-1 bytes in the query', get(`/id/connect/authorize?client_id=\u00ff\u00fe&redirect_uri=\u00e9`), 'http-error');
  }

  // The sign-in page and form. With a valid CSRF pair, so that what follows it is reached too.
  {
    const csrf = { Cookie: `${t.csrfCookie}` };
    add('GET /id/account/login', 'a sign-in request that is not ours', get(`/id/account/login?request=${pct(garbage(rng).value)}`), 'html-error');
    add('GET /id/account/login', 'request repeated', get('/id/account/login?request=a&request=b'), 'html-error');
    add('GET /id/account/login', 'request broken encoding', get(`/id/account/login?request=${pick(rng, BROKEN_ENCODINGS)}`), 'html-error');
    const endpoint = 'POST /id/account/login';
    add(endpoint, 'no CSRF token', formPost('/id/account/login', encode([['username', t.userLogin], ['password', 'x']])), 'html-error');
    add(endpoint, 'a forged CSRF token', formPost('/id/account/login', encode([['username', t.userLogin], ['password', 'x'], ['csrf', t.csrfToken]]), { Cookie: 'iis.csrf=forged.value' }), 'html-error');
    const form = { csrf: t.csrfToken, username: t.userLogin, password: 'not the password' };
    for (const c of breakParams(rng, form, ['username', 'password'])) {
      // Only what is malformed: a well-formed wrong password (control characters are allowed in one) is a
      // real failed sign-in, and is counted.
      const malformed = /repeated|\[\]|missing|empty|body limit/.test(c.name) || (c.name.startsWith('username') && /null byte|control/.test(c.name));
      if (!malformed) continue;
      add(endpoint, c.name, formPost('/id/account/login', encode(c.params), csrf), 'html-error');
    }
    add(endpoint, 'username over 320 characters', formPost('/id/account/login', encode([['csrf', t.csrfToken], ['username', 'u'.repeat(321)], ['password', 'x']]), csrf), 'html-error');
    add(endpoint, 'password over 1024 characters', formPost('/id/account/login', encode([['csrf', t.csrfToken], ['username', t.userLogin], ['password', 'p'.repeat(1025)]]), csrf), 'html-error');
    add(endpoint, 'username with a null byte', formPost('/id/account/login', encode([['csrf', t.csrfToken], ['username', `${t.userLogin}\u0000`], ['password', 'x']]), csrf), 'html-error');
    add(endpoint, 'a sign-in request that is not ours', formPost('/id/account/login', encode([['csrf', t.csrfToken], ['request', 'forged'], ['username', t.userLogin], ['password', 'x']]), csrf), 'html-error');
    add(endpoint, 'csrf repeated', formPost('/id/account/login', encode([['csrf', t.csrfToken], ['csrf', t.csrfToken], ['username', t.userLogin], ['password', 'x']]), csrf), 'html-error');
    bodyAttacks(endpoint, '/id/account/login', form, 'html-error', ['csrf', 'html-error'], csrf);
  }

  // End session: a malformed request is refused; a hint that is not valid is no hint (no redirect).
  {
    const valid = { id_token_hint: 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln', post_logout_redirect_uri: t.redirectUri, state: 'st', client_id: t.clientId };
    for (const method of ['GET', 'POST'] as const) {
      const endpoint = `${method} /id/connect/endsession`;
      const send = (params: Param[]): FuzzRequest => (method === 'GET' ? get(`/id/connect/endsession?${encode(params)}`) : formPost('/id/connect/endsession', encode(params)));
      for (const c of breakParams(rng, valid, ['id_token_hint', 'post_logout_redirect_uri', 'state', 'client_id'])) {
        if (method === 'GET' && c.name.includes('body limit')) continue;
        add(endpoint, c.name, send(c.params), /repeated/.test(c.name) ? 'html-error' : 'page-no-redirect');
      }
    }
    bodyAttacks('POST /id/connect/endsession', '/id/connect/endsession', valid, 'html-error', ['id_token_hint', 'page-no-redirect']);
  }

  // Discovery and auto-discovery read no parameters: whatever is sent, the same answer (or a 4xx).
  for (const path of ['/sys/auto-discovery', '/id/.well-known/openid-configuration', '/id/.well-known/openid-configuration/jwks']) {
    const endpoint = `GET ${path}`;
    for (let i = 0; i < 6; i++) {
      const g = garbage(rng);
      add(endpoint, `query ${g.label}`, get(`${path}?${encode([[g.value.slice(0, 100), g.value]])}`), 'unchanged');
    }
    add(endpoint, 'query broken encoding', get(`${path}?a=${pick(rng, BROKEN_ENCODINGS)}&a=1&a[]=2`), 'unchanged');
    add(endpoint, 'a path with broken encoding', get(`${path}%`), 'json-error');
    add(endpoint, 'a path with a trailing segment', get(`${path}/..%2F..%2Fadmin`), 'json-error');
    add(endpoint, 'POST', formPost(path, 'a=b'), 'json-error');
    add(endpoint, 'DELETE', { method: 'DELETE', path, headers: host }, 'json-error');
    add(endpoint, 'an unknown host', { method: 'GET', path, headers: { Host: 'unknown.invalid' } }, 'json-error');
    add(endpoint, 'a host with an impossible port', { method: 'GET', path, headers: { Host: `${t.host}:99999` } }, 'json-error');
    add(endpoint, 'a host with a port that is not a number', { method: 'GET', path, headers: { Host: `${t.host}:8o` } }, 'json-error');
    add(endpoint, 'a very long header (just under the limit)', get(path, { 'X-Long': 'v'.repeat(12_000) }), 'unchanged');
    add(endpoint, 'a header over the limit', get(path, { 'X-Long': 'v'.repeat(20_000) }), 'http-error');
  }

  adminCases(rng, t, add);
  rawCases(t, add);
  return cases;
}

/** Malformed `Authorization: Basic` headers (RFC 6749 §2.3.1). */
function basicHeaders(rng: Rng, t: FuzzTargets, basic: (id: string, secret: string) => string): [string, string][] {
  const b64 = (s: string) => Buffer.from(s, 'latin1').toString('base64');
  return [
    ['Basic without credentials', 'Basic'],
    ['Basic, not base64', 'Basic !!!!'],
    ['Basic, no colon', `Basic ${b64(t.clientId)}`],
    ['Basic, broken percent-encoding', `Basic ${b64(`${t.clientId}%:secret%zz`)}`],
    ['Basic, invalid UTF-8', `Basic ${b64('\u00ff\u00fe:\u00c3\u0028')}`],
    ['Basic, wrong secret', basic(t.clientId, garbage(rng).value)],
    ['Basic, unknown client', basic(garbage(rng).value, t.clientSecret)],
    ['Basic, empty id and secret', `Basic ${b64(':')}`],
    ['Basic, 12 KiB', `Basic ${'A'.repeat(12_000)}`],
    ['Basic twice', `${basic(t.clientId, t.clientSecret)}, ${basic(t.clientId, t.clientSecret)}`],
    ['Bearer instead of Basic', 'Bearer abc'],
  ];
}

function adminCases(rng: Rng, t: FuzzTargets, add: (endpoint: string, name: string, request: FuzzRequest, expect: Expectation) => void) {
  const auth = { Authorization: `Bearer ${t.adminKey}` };
  const json = (method: string, path: string, body: unknown, headers: Record<string, string> = {}): FuzzRequest => ({
    method,
    path,
    headers: { Host: t.host, ...auth, 'Content-Type': 'application/json', ...headers },
    body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  });
  const targets: { endpoint: string; method: string; path: string; valid: Record<string, unknown> }[] = [
    { endpoint: 'POST /admin/v1/instances', method: 'POST', path: '/admin/v1/instances', valid: { Name: 'fuzz-new', Hosts: ['fuzz-new.test.local'], Database: 'E1_FUZZ', Type: 'Instance' } },
    { endpoint: 'PATCH /admin/v1/instances/{name}', method: 'PATCH', path: `/admin/v1/instances/${t.instanceName}`, valid: { Database: 'E1_OTHER', AccessTokenLifetime: 600 } },
    { endpoint: 'POST …/users', method: 'POST', path: `/admin/v1/instances/${t.instanceName}/users`, valid: { Login: 'fuzz.user', Name: 'Fuzz', Password: 'a long password', UserType: 'InternalUser' } },
    { endpoint: 'PATCH …/users/{login}', method: 'PATCH', path: `/admin/v1/instances/${t.instanceName}/users/${t.userLogin}`, valid: { Name: 'Renamed', Active: true } },
    { endpoint: 'POST …/trusted-applications', method: 'POST', path: `/admin/v1/instances/${t.instanceName}/trusted-applications`, valid: { Name: 'Fuzz', ApplicationUri: 'fuzz.example.com', ClientType: 'Public', Scope: 'read' } },
    { endpoint: 'PATCH …/trusted-applications/{uri}', method: 'PATCH', path: `/admin/v1/instances/${t.instanceName}/trusted-applications/${encodeURIComponent(t.clientId)}`, valid: { Name: 'Renamed', IsEnabled: true } },
    { endpoint: 'POST …/reference-tokens', method: 'POST', path: `/admin/v1/instances/${t.instanceName}/reference-tokens`, valid: { Kind: 'PAT', ApplicationUri: t.clientId, UserLogin: t.userLogin, ExpiresAt: '2099-01-01T00:00:00Z' } },
  ];
  const typeConfusions: [string, unknown][] = [
    ['an array', ['x']],
    ['an object', { a: 'x' }],
    ['a number', 12345],
    ['a huge number', 1e308],
    ['a negative number', -1],
    ['true', true],
    ['null', null],
    ['a 60 KiB string', 'y'.repeat(60 * 1024)],
    ['a string with a null byte', 'a\u0000b'],
    ['lone surrogates', '\uD800\uDFFF\uDC00'],
  ];
  for (const target of targets) {
    // Each field given a value of the wrong type or shape; plus, so that no mistake of ours could make the body valid, an unknown property.
    for (const field of Object.keys(target.valid)) {
      for (const [label, value] of typeConfusions) {
        if (value === null && target.method === 'PATCH') continue; // null clears some optional fields: valid
        add(target.endpoint, `${field}: ${label}`, json(target.method, target.path, { ...target.valid, [field]: value, FuzzUnknownProperty: 1 }), 'json-error');
        // Alone (without the unknown property) only where the value can never be valid for the field.
        const fieldIsArray = Array.isArray(target.valid[field]);
        if (typeof value !== 'string' && value !== null && typeof value !== 'boolean' && !fieldIsArray && !(typeof value === 'number' && field.endsWith('Lifetime'))) {
          add(target.endpoint, `${field}: ${label}, alone`, json(target.method, target.path, { ...target.valid, [field]: value }), 'json-error');
        }
      }
    }
    if (target.method === 'POST') add(target.endpoint, 'an empty object', json(target.method, target.path, {}), 'json-error');
    add(target.endpoint, 'an unknown property', json(target.method, target.path, { ...target.valid, Evil: true }), 'json-error');
    add(target.endpoint, 'a duplicated key, the last one invalid', json(target.method, target.path, `${JSON.stringify(target.valid).slice(0, -1)},"${Object.keys(target.valid)[0]}":["dup"]}`), 'json-error');
    add(target.endpoint, '__proto__', json(target.method, target.path, `{"__proto__":{"x":1},${JSON.stringify(target.valid).slice(1)}`), 'http-error');
    add(target.endpoint, 'constructor.prototype', json(target.method, target.path, `{"constructor":{"prototype":{"x":1}},${JSON.stringify(target.valid).slice(1)}`), 'http-error');
    add(target.endpoint, 'not JSON', json(target.method, target.path, '{"Name":'), 'http-error');
    add(target.endpoint, 'JSON with a BOM and trailing comma', json(target.method, target.path, '\uFEFF{"Name":"x",}'), 'http-error');
    add(target.endpoint, 'a JSON array', json(target.method, target.path, [target.valid]), 'json-error');
    add(target.endpoint, 'a JSON string', json(target.method, target.path, '"x"'), 'json-error');
    add(target.endpoint, 'JSON null', json(target.method, target.path, 'null'), 'json-error');
    add(target.endpoint, 'deeply nested JSON', json(target.method, target.path, `{"Deep":${'['.repeat(5000)}${']'.repeat(5000)}}`), 'json-error');
    add(target.endpoint, 'a form body (the admin API takes JSON)', { method: target.method, path: target.path, headers: { Host: t.host, ...auth, 'Content-Type': 'application/x-www-form-urlencoded' }, body: Buffer.from(encode(Object.entries(target.valid).map(([k, v]) => [k, String(v)]))) }, 'json-error');
    add(target.endpoint, 'text/plain', { method: target.method, path: target.path, headers: { Host: t.host, ...auth, 'Content-Type': 'text/plain' }, body: Buffer.from(JSON.stringify(target.valid)) }, 'json-error');
    add(target.endpoint, 'invalid UTF-8 in the JSON', { method: target.method, path: target.path, headers: { Host: t.host, ...auth, 'Content-Type': 'application/json' }, body: Buffer.concat([Buffer.from('{"Name":"'), Buffer.from([0xff, 0xc3, 0x28]), Buffer.from('"}')]) }, 'json-error');
    add(target.endpoint, 'a JSON body just under the limit', json(target.method, target.path, { ...target.valid, Pad: 'p'.repeat(BODY_LIMIT - 1024) }), 'json-error');
    add(target.endpoint, 'a JSON body over the limit', json(target.method, target.path, { ...target.valid, Pad: 'p'.repeat(BODY_LIMIT + 1024) }), 'http-error');
    add(target.endpoint, 'without the admin key', json(target.method, target.path, target.valid, { Authorization: '' }), 'json-error');
    add(target.endpoint, 'a wrong admin key', json(target.method, target.path, target.valid, { Authorization: `Bearer ${garbage(rng).value.replace(/[^\x21-\x7e]/g, '') || 'x'}` }), 'json-error');
    add(target.endpoint, 'the admin key as Basic', json(target.method, target.path, target.valid, { Authorization: `Basic ${Buffer.from(`admin:${t.adminKey}`).toString('base64')}` }), 'json-error');
  }
  // Names in the path: unknown, malformed, oversized. Never the fuzz instance's own, so DELETE deletes nothing.
  const names = ['%00', '%ZZ', '%', '..%2F..%2Fadmin', '%C3%28', '\u00ff', 'n'.repeat(600), pct('x\u0000y'), pct('<script>'), '%2e%2e', pct('\uD800')];
  for (const name of names) {
    for (const [method, path] of [
      ['GET', `/admin/v1/instances/${name}`],
      ['DELETE', `/admin/v1/instances/${name}`],
      ['GET', `/admin/v1/instances/${t.instanceName}/users/${name}`],
      ['DELETE', `/admin/v1/instances/${t.instanceName}/users/${name}`],
      ['GET', `/admin/v1/instances/${t.instanceName}/trusted-applications/${name}`],
      ['DELETE', `/admin/v1/instances/${t.instanceName}/reference-tokens/${name}`],
      ['GET', `/admin/v1/instances/${name}/keys`],
    ]) {
      add(`${method} /admin/v1/…/{name}`, `${method} ${path.slice(0, 80)}`, { method, path, headers: { Host: t.host, ...auth } }, name.length > 500 ? 'http-error' : 'json-error');
    }
  }
  for (const to of ['%', '%ZZ', '\u00ff', 'x'.repeat(5000), 'a@b&to=c@d']) {
    add('GET /admin/v1/outbox', `to=${to.slice(0, 20)}`, { method: 'GET', path: `/admin/v1/outbox?to=${to}&to=${to}`, headers: { Host: t.host, ...auth } }, 'json-error');
  }
}

/** What only a bare socket can send: bytes in the request line and headers that clients refuse. */
function rawCases(t: FuzzTargets, add: (endpoint: string, name: string, request: FuzzRequest, expect: Expectation) => void) {
  const raw = (lines: string, body = ''): Buffer => Buffer.from(`${lines}\r\n\r\n${body}`, 'latin1');
  const paths = ['/id/connect/token', '/id/connect/userinfo', '/id/connect/authorize', '/id/connect/endsession', '/id/connect/introspect', '/sys/auto-discovery', '/admin/v1/instances'];
  for (const path of paths) {
    const endpoint = `raw ${path}`;
    const req = (name: string, bytes: Buffer) => add(endpoint, name, { method: 'RAW', path, headers: {}, raw: bytes }, 'http-error');
    req('a null byte in a header', raw(`GET ${path} HTTP/1.1\r\nHost: ${t.host}\r\nX-A: a\u0000b\r\nConnection: close`));
    req('a bare CR in a header', raw(`GET ${path} HTTP/1.1\r\nHost: ${t.host}\r\nX-A: a\rb\r\nConnection: close`));
    req('a header without a colon', raw(`GET ${path} HTTP/1.1\r\nHost: ${t.host}\r\nNoColonHere\r\nConnection: close`));
    req('a space in the request target', raw(`GET ${path}?a=b c HTTP/1.1\r\nHost: ${t.host}\r\nConnection: close`));
    req('a null byte in the request target', raw(`GET ${path}?a=\u0000 HTTP/1.1\r\nHost: ${t.host}\r\nConnection: close`));
    req('two Host headers', raw(`GET ${path} HTTP/1.1\r\nHost: ${t.host}\r\nHost: other.test.local\r\nConnection: close`));
    req('no Host header', raw(`GET ${path} HTTP/1.1\r\nConnection: close`));
    req('Content-Length and Transfer-Encoding both', raw(`POST ${path} HTTP/1.1\r\nHost: ${t.host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nConnection: close`, '0\r\n\r\n'));
    req('a negative Content-Length', raw(`POST ${path} HTTP/1.1\r\nHost: ${t.host}\r\nContent-Length: -1\r\nConnection: close`));
    req('two different Content-Lengths', raw(`POST ${path} HTTP/1.1\r\nHost: ${t.host}\r\nContent-Length: 1\r\nContent-Length: 2\r\nConnection: close`, 'ab'));
    req('a bad chunk size', raw(`POST ${path} HTTP/1.1\r\nHost: ${t.host}\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\nConnection: close`, 'zz\r\nabc\r\n0\r\n\r\n'));
    req('an unknown HTTP version', raw(`GET ${path} HTTP/9.9\r\nHost: ${t.host}\r\nConnection: close`));
    req('an unknown method', raw(`FROB ${path} HTTP/1.1\r\nHost: ${t.host}\r\nConnection: close`));
    req('headers over the limit', raw(`GET ${path} HTTP/1.1\r\nHost: ${t.host}\r\n${Array.from({ length: 400 }, (_, i) => `X-H${i}: ${'v'.repeat(100)}`).join('\r\n')}\r\nConnection: close`));
  }
}
