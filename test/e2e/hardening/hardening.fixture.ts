import { randomBytes } from 'node:crypto';
import { s256 } from '@app/oauth-core';
import { Browser, parseForm, responseParams, type BrowserResponse } from '../../utils/browser';
import { auth, type ApplicationFixture, type InstanceFixture } from '../../utils/fixtures';
import type { TestServer } from '../../utils/test-server';
import { CALLBACK, signIn } from '../sign-in/sign-in.fixture';

/** Limits high enough that a suite never meets them unless it means to. */
export const NO_RATE_LIMITS = {
  SignInRateLimitPerIp: 1_000_000,
  SignInRateLimitPerAccount: 1_000_000,
  TokenRateLimitPerClient: 1_000_000,
  TokenRateLimitPerIp: 1_000_000,
};

export const loginUrl = (instance: InstanceFixture) => `http://${instance.host}/id/account/login`;

/** Opens the sign-in page (for its CSRF cookie and field) and submits it, as a person would. */
export async function submitLogin(browser: Browser, instance: InstanceFixture, username: string, password: string): Promise<BrowserResponse> {
  const page = await browser.get(loginUrl(instance));
  if (page.status !== 200) return page;
  const { action, fields } = parseForm(page.text);
  return browser.post(action, { ...fields, username, password });
}

/** The text of the sign-in page's error message. */
export const errorMessage = (html: string) => /<p class="error"[^>]*>([^<]*)</.exec(html)?.[1];

/** A page without what differs on every render (CSP nonce, CSRF value, the typed username). */
export function comparablePage(html: string, username: string): string {
  return html
    .replace(/nonce-[A-Za-z0-9+/=]+/g, 'nonce')
    .replace(/nonce="[^"]*"/g, 'nonce=""')
    .replace(/name="csrf" value="[^"]*"/g, 'name="csrf" value=""')
    .split(username)
    .join('USERNAME');
}

/** Waits until `seconds` have passed. */
export const sleep = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

export interface CodeFlowResult {
  browser: Browser;
  code: string;
  verifier: string;
}

/** Signs john.doe in at the instance through the authorization code flow (PKCE) and returns the code, not yet exchanged. */
export async function authorizationCode(ts: TestServer, instance: InstanceFixture, app: ApplicationFixture, scope: string, browser = new Browser(ts)): Promise<CodeFlowResult> {
  const verifier = randomBytes(32).toString('base64url');
  const query = new URLSearchParams({ client_id: app.clientId, redirect_uri: CALLBACK, response_type: 'code', scope, state: 'st', nonce: 'n', code_challenge: s256(verifier), code_challenge_method: 'S256' });
  const callback = await signIn(browser, `http://${instance.host}/id/connect/authorize?${query}`);
  if (callback.status !== 302 || !callback.location?.startsWith(CALLBACK)) throw new Error(`sign-in: ${callback.status} ${callback.text.slice(0, 300)}`);
  return { browser, code: responseParams(callback.location).code, verifier };
}

export function exchangeCode(ts: TestServer, host: string, app: ApplicationFixture, flow: CodeFlowResult) {
  return ts.http().post('/id/connect/token').set('Host', host).type('form')
    .send({ grant_type: 'authorization_code', code: flow.code, redirect_uri: CALLBACK, code_verifier: flow.verifier, client_id: app.clientId, client_secret: app.clientSecret });
}

export interface UserTokens {
  access_token: string;
  id_token: string;
  refresh_token?: string;
}

/** Signs in and exchanges the code; the browser keeps the session cookie. */
export async function signedIn(ts: TestServer, instance: InstanceFixture, app: ApplicationFixture, scope = 'openid profile offline_access'): Promise<{ browser: Browser; tokens: UserTokens }> {
  const flow = await authorizationCode(ts, instance, app, scope);
  const res = await exchangeCode(ts, instance.host, app, flow);
  if (res.status !== 200) throw new Error(`code exchange: ${res.status} ${JSON.stringify(res.body)}`);
  return { browser: flow.browser, tokens: res.body as UserTokens };
}

/** The instance's Id (for in-process services that take it). */
export async function instanceId(ts: TestServer, instance: InstanceFixture): Promise<string> {
  return (await ts.http().get(`/admin/v1/instances/${instance.name}`).set(auth).expect(200)).body.Id as string;
}
