import { randomBytes } from 'node:crypto';
import { formEncode, s256 } from '@app/oauth-core';
import { Browser, responseParams } from '../../utils/browser';
import { CALLBACK, signIn } from '../sign-in/sign-in.fixture';
import { auth, createApplication, createInstance, createUser, type ApplicationFixture, type InstanceFixture } from '../../utils/fixtures';
import type { TestServer } from '../../utils/test-server';

export const TOKEN_FORMAT = /^enrt_[0-9a-f]{64}$/;

/** An ISO instant `seconds` from now. */
export const inSeconds = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();

/**
 * An instance with: alice (internal user), boss (admin), svc (system user); `patApp` that lets
 * authenticated users hold PATs, `satApp` that acts as svc and allows SATs, and `resourceServer`,
 * another application that introspects.
 */
export async function referenceTokenSetup(ts: TestServer) {
  const instance = await createInstance(ts);
  const alice = await createUser(ts, instance, { Login: 'alice', Name: 'Alice A', Email: 'alice@example.com', EmailVerified: true, Locale: 'en-US' });
  const boss = await createUser(ts, instance, { Login: 'boss', Name: 'Boss', IsAdmin: true });
  const svc = await createUser(ts, instance, { Login: 'svc', Name: 'Service' });
  const patApp = await createApplication(ts, instance, { Scope: 'read update sec', AccessTokens: 'AuthenticatedUsers' });
  const satApp = await createApplication(ts, instance, { Scope: 'read update sec', SystemUser: 'svc', SystemUserAllowed: true, AccessTokens: 'AdministratorsOnly' });
  const resourceServer = await createApplication(ts, instance, { Scope: 'read' });
  return { instance, alice, boss, svc, patApp, satApp, resourceServer };
}

export type Setup = Awaited<ReturnType<typeof referenceTokenSetup>>;

export function issue(ts: TestServer, instance: InstanceFixture, body: Record<string, unknown>) {
  return ts.http().post(`/admin/v1/instances/${instance.name}/reference-tokens`).set(auth).send(body);
}

/** Issues and expects 201; returns the body (Id, Token, …). */
export async function issueOk(ts: TestServer, instance: InstanceFixture, body: Record<string, unknown>) {
  const res = await issue(ts, instance, { ExpiresAt: inSeconds(3600), ...body });
  if (res.status !== 201) throw new Error(`issue: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { Id: string; Token: string; Scope: string; ExpiresAt: string; CreatedAt: string };
}

/** POST /id/connect/introspect as `app` with client_secret_post. */
export function introspect(ts: TestServer, host: string, app: ApplicationFixture, token: string, extra: Record<string, string> = {}) {
  return ts.http().post('/id/connect/introspect').set('Host', host).type('form').send({ token, client_id: app.clientId, client_secret: app.clientSecret, ...extra });
}

/** The introspection body; fails the test unless the answer is 200. */
export async function introspectBody(ts: TestServer, host: string, app: ApplicationFixture, token: string): Promise<Record<string, unknown>> {
  const res = await introspect(ts, host, app, token);
  if (res.status !== 200) throw new Error(`introspect: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** POST /id/connect/revocation as `app` with client_secret_basic. */
export function revoke(ts: TestServer, host: string, app: ApplicationFixture, token: string, hint?: string) {
  const basic = Buffer.from(`${formEncode(app.clientId)}:${formEncode(app.clientSecret)}`).toString('base64');
  return ts.http().post('/id/connect/revocation').set('Host', host).set('Authorization', `Basic ${basic}`).type('form').send({ token, ...(hint ? { token_type_hint: hint } : {}) });
}

export async function clientCredentialsToken(ts: TestServer, host: string, app: ApplicationFixture, scope?: string): Promise<string> {
  const res = await ts.http().post('/id/connect/token').set('Host', host).type('form').send({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.clientSecret, ...(scope ? { scope } : {}) });
  if (res.status !== 200) throw new Error(`token: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.access_token as string;
}

/** Signs john.doe in through the authorization code flow (with PKCE) and exchanges the code. */
export async function codeFlowTokens(ts: TestServer, setup: { instance: InstanceFixture; app: ApplicationFixture }, scope: string) {
  const verifier = randomBytes(32).toString('base64url');
  const query = new URLSearchParams({ client_id: setup.app.clientId, redirect_uri: CALLBACK, response_type: 'code', scope, state: 'st', code_challenge: s256(verifier), code_challenge_method: 'S256' });
  const callback = await signIn(new Browser(ts), `http://${setup.instance.host}/id/connect/authorize?${query}`);
  if (callback.status !== 302 || !callback.location) throw new Error(`sign-in: ${callback.status} ${callback.text.slice(0, 200)}`);
  const { code } = responseParams(callback.location);
  const res = await ts.http().post('/id/connect/token').set('Host', setup.instance.host).type('form')
    .send({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier, client_id: setup.app.clientId, client_secret: setup.app.clientSecret });
  if (res.status !== 200) throw new Error(`code exchange: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { access_token: string; refresh_token?: string; id_token?: string; scope: string };
}

export function refresh(ts: TestServer, host: string, app: ApplicationFixture, refreshToken: string) {
  return ts.http().post('/id/connect/token').set('Host', host).type('form').send({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: app.clientId, client_secret: app.clientSecret });
}
