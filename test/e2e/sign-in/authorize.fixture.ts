import { createHash, randomBytes } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { Browser, parseForm, type BrowserResponse } from '../../utils/browser';
import { auth, createApplication, type ApplicationFixture, type InstanceFixture } from '../../utils/fixtures';
import type { TestServer } from '../../utils/test-server';
import { CALLBACK, issuerOf, signIn, signInSetup } from './sign-in.fixture';

export type Params = Record<string, string | undefined>;

/** The instance's host as a browser sends it (with the port the test server listens on). */
export function hostOf(ts: TestServer, instance: InstanceFixture): string {
  return `${instance.host}:${ts.port}`;
}

/** An absolute authorize URL; undefined values are left out, repeated names come from `extra`. */
export function authorizeUrl(ts: TestServer, instance: InstanceFixture, params: Params, extra: [string, string][] = []): string {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) query.append(k, v);
  for (const [k, v] of extra) query.append(k, v);
  return `${issuerOf(ts, instance)}/connect/authorize?${query.toString()}`;
}

export type ResponseMode = 'query' | 'fragment' | 'form_post';

export interface AuthorizationResponse {
  mode: ResponseMode;
  /** Where the response goes (the redirect_uri, without the response parameters). */
  target: string;
  params: Record<string, string>;
}

/**
 * Reads what the authorization endpoint sent back to the client: a 302 with the parameters in the
 * query or the fragment, or the form_post page (an auto-submitting form of hidden inputs).
 */
export function readResponse(res: BrowserResponse): AuthorizationResponse {
  if (res.status === 302 && res.location) {
    const hash = res.location.indexOf('#');
    if (hash >= 0) return { mode: 'fragment', target: res.location.slice(0, hash), params: Object.fromEntries(new URLSearchParams(res.location.slice(hash + 1))) };
    const u = new URL(res.location);
    const params = Object.fromEntries(u.searchParams);
    return { mode: 'query', target: `${u.origin}${u.pathname}`, params };
  }
  if (res.status === 200 && /<form[^>]*method="post"[^>]*id="response"/i.test(res.text)) {
    const { action, fields } = parseForm(res.text);
    return { mode: 'form_post', target: action, params: fields };
  }
  throw new Error(`not an authorization response: ${res.status} ${res.location ?? ''} ${res.text.slice(0, 300)}`);
}

/** Whether the response sends the person to this instance's sign-in page. */
export function isLoginRedirect(res: BrowserResponse): boolean {
  return res.status === 302 && !!res.location && new URL(res.location).pathname === '/id/account/login';
}

/**
 * The HTML error page that the authorize endpoint shows instead of redirecting; returns the error
 * code printed on it. Fails unless it is an HTML page without a Location.
 */
export function errorPageCode(res: BrowserResponse): string | undefined {
  if (res.location !== undefined) throw new Error(`expected an error page, got a redirect to ${res.location}`);
  if (!String(res.headers['content-type']).startsWith('text/html')) throw new Error(`expected HTML, got ${res.headers['content-type']}: ${res.text.slice(0, 200)}`);
  return /<code>([^<]*)<\/code>/.exec(res.text)?.[1];
}

/** OIDC Core §3.3.2.11: base64url of the left half of SHA-256 (RS256) of the value's octets. */
export function leftHalf(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest().subarray(0, 16).toString('base64url');
}

/** A fresh PKCE pair (RFC 7636 §4.1, §4.2, S256). */
export function pkce(length = 64): { verifier: string; challenge: string } {
  const verifier = randomBytes(120).toString('base64url').slice(0, length);
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export const random = (bytes = 32) => randomBytes(bytes).toString('base64url');

/** The key set the instance serves, as a relying party would fetch it. */
export async function instanceJwks(ts: TestServer, instance: InstanceFixture) {
  const res = await ts.http().get('/id/.well-known/openid-configuration/jwks').set('Host', hostOf(ts, instance));
  if (res.status !== 200) throw new Error(`jwks: ${res.status}`);
  return createLocalJWKSet(res.body);
}

/** Verifies an ID token against the served JWKS: RS256, typ JWT, iss, aud = client_id. */
export async function verifyIdToken(ts: TestServer, instance: InstanceFixture, idToken: string, clientId: string): Promise<JWTPayload> {
  const { payload, protectedHeader } = await jwtVerify(idToken, await instanceJwks(ts, instance), { algorithms: ['RS256'], typ: 'JWT', issuer: issuerOf(ts, instance), audience: clientId });
  if (protectedHeader.typ !== 'JWT') throw new Error(`ID token typ ${protectedHeader.typ}`);
  return payload;
}

/** Verifies an access token against the served JWKS: RS256, typ at+jwt, iss, aud including `audience`. */
export async function verifyAccessToken(ts: TestServer, instance: InstanceFixture, accessToken: string, audience = `${issuerOf(ts, instance)}/resources`): Promise<JWTPayload> {
  const { payload } = await jwtVerify(accessToken, await instanceJwks(ts, instance), { algorithms: ['RS256'], typ: 'at+jwt', issuer: issuerOf(ts, instance), audience });
  return payload;
}

/** POST /id/connect/token with a form body. */
export function tokenRequest(ts: TestServer, instance: InstanceFixture, body: Params, headers: Record<string, string> = {}) {
  const form: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (v !== undefined) form[k] = v;
  let req = ts.http().post('/id/connect/token').set('Host', hostOf(ts, instance)).type('form');
  for (const [k, v] of Object.entries(headers)) req = req.set(k, v);
  return req.send(form);
}

/** GET /id/connect/userinfo with a bearer header. */
export function userinfo(ts: TestServer, instance: InstanceFixture, accessToken: string) {
  return ts.http().get('/id/connect/userinfo').set('Host', hostOf(ts, instance)).set('Authorization', `Bearer ${accessToken}`);
}

export function patchInstance(ts: TestServer, instance: InstanceFixture, body: Record<string, unknown>) {
  return ts.http().patch(`/admin/v1/instances/${instance.name}`).set(auth).send(body);
}

export function patchApplication(ts: TestServer, instance: InstanceFixture, app: ApplicationFixture, body: Record<string, unknown>) {
  return ts.http().patch(`/admin/v1/instances/${instance.name}/trusted-applications/${encodeURIComponent(app.clientId)}`).set(auth).send(body);
}

export function patchUser(ts: TestServer, instance: InstanceFixture, login: string, body: Record<string, unknown>) {
  return ts.http().patch(`/admin/v1/instances/${instance.name}/users/${encodeURIComponent(login)}`).set(auth).send(body);
}

/** The per-instance rate limits, raised so high that these suites, which sign in often from one address, never meet them. */
const NO_RATE_LIMITS: Record<string, number> = {
  SignInRateLimitPerIp: 1_000_000,
  SignInRateLimitPerAccount: 1_000_000,
  TokenRateLimitPerClient: 1_000_000,
  TokenRateLimitPerIp: 1_000_000,
};

/** Raises the instance's rate limits, when the server has them (settings it lacks are left alone). */
export async function relaxRateLimits(ts: TestServer, instance: InstanceFixture): Promise<void> {
  const current = await ts.http().get(`/admin/v1/instances/${instance.name}`).set(auth);
  if (current.status !== 200) throw new Error(`instance ${instance.name}: ${current.status}`);
  const patch = Object.fromEntries(Object.entries(NO_RATE_LIMITS).filter(([name]) => name in current.body));
  if (!Object.keys(patch).length) return;
  const res = await patchInstance(ts, instance, patch);
  if (res.status !== 200) throw new Error(`relaxRateLimits: ${res.status} ${JSON.stringify(res.body)}`);
}

/** signInSetup (an instance, john.doe and a Confidential application) without rate limits in the way. */
export async function setupInstance(ts: TestServer, appBody: Record<string, unknown> = {}): Promise<Setup> {
  const setup = await signInSetup(ts, appBody);
  await relaxRateLimits(ts, setup.instance);
  return setup;
}

/** A Public application (no secret) of the instance, for sign-in with PKCE. */
export function createPublicApplication(ts: TestServer, instance: InstanceFixture, body: Record<string, unknown> = {}) {
  return createApplication(ts, instance, { ClientType: 'Public', ApplicationSecretHash: null, ImpersonateAsInternalUserAllowed: true, ImpersonateLoginUrl: CALLBACK, ...body });
}

export type Setup = Awaited<ReturnType<typeof signInSetup>>;

/**
 * Signs in (or reuses the browser's session) with response_type=code and returns the code and
 * the request's values. Fails unless the response is a redirect with a code.
 */
export async function obtainCode(
  ts: TestServer,
  setup: Pick<Setup, 'instance'> & { app: ApplicationFixture },
  options: { browser?: Browser; scope?: string; redirectUri?: string; challenge?: string | null; params?: Params; username?: string } = {},
) {
  const browser = options.browser ?? new Browser(ts);
  const { verifier, challenge } = pkce();
  const useChallenge = options.challenge === null ? undefined : (options.challenge ?? challenge);
  const state = random();
  const redirectUri = options.redirectUri ?? CALLBACK;
  const url = authorizeUrl(ts, setup.instance, {
    client_id: setup.app.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: options.scope ?? 'openid',
    state,
    nonce: 'n-' + random(8),
    code_challenge: useChallenge,
    code_challenge_method: useChallenge ? 'S256' : undefined,
    ...options.params,
  });
  const res = await signIn(browser, url, options.username);
  const response = readResponse(res);
  if (!response.params.code) throw new Error(`no code: ${JSON.stringify(response.params)}`);
  return { code: response.params.code, verifier, challenge: useChallenge, state, redirectUri, browser, response };
}

/** Exchanges a code with client_secret_post (and the verifier when given). */
export function exchangeCode(ts: TestServer, instance: InstanceFixture, app: ApplicationFixture, code: string, options: { verifier?: string; redirectUri?: string; secret?: string | null } = {}) {
  return tokenRequest(ts, instance, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: options.redirectUri ?? CALLBACK,
    client_id: app.clientId,
    client_secret: options.secret === null ? undefined : (options.secret ?? app.clientSecret),
    code_verifier: options.verifier,
  });
}

/** Signs in with the code flow and exchanges the code: the token response body. */
export async function signInTokens(ts: TestServer, setup: Pick<Setup, 'instance'> & { app: ApplicationFixture }, options: { scope?: string; params?: Params; username?: string; browser?: Browser } = {}) {
  const { code, verifier, browser } = await obtainCode(ts, setup, options);
  const res = await exchangeCode(ts, setup.instance, setup.app, code, { verifier });
  if (res.status !== 200) throw new Error(`token: ${res.status} ${JSON.stringify(res.body)}`);
  return { body: res.body as { access_token: string; id_token?: string; refresh_token?: string; scope: string; expires_in: number; token_type: string }, browser };
}
