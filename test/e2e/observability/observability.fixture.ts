import { Browser, parseForm, responseParams } from '../../utils/browser';
import type { InstanceFixture } from '../../utils/fixtures';
import type { TestServer } from '../../utils/test-server';
import { authorizeUrl, pkce, random, tokenRequest } from '../sign-in/authorize.fixture';
import { CALLBACK, PASSWORD } from '../sign-in/sign-in.fixture';

/** Log lines written to a stream, each parsed as JSON (a line that is not JSON fails the test). */
export class LogCapture {
  readonly raw: string[] = [];

  write(chunk: string): void {
    for (const line of chunk.split('\n')) if (line.trim()) this.raw.push(line);
  }

  get lines(): Record<string, unknown>[] {
    return this.raw.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

/**
 * The whole code flow step by step, keeping every secret the browser and the application see
 * (sealed request, CSRF token, cookies, code, verifier, tokens): sign-in page, a wrong password,
 * the right one, the code exchange, and a refresh.
 */
export async function codeFlowSecrets(ts: TestServer, instance: InstanceFixture, app: { clientId: string; clientSecret: string }, username: string) {
  const browser = new Browser(ts);
  const { verifier, challenge } = pkce();
  const url = authorizeUrl(ts, instance, {
    client_id: app.clientId,
    redirect_uri: CALLBACK,
    response_type: 'code',
    scope: 'openid profile offline_access',
    state: random(),
    nonce: random(8),
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  const toLogin = await browser.get(url);
  const page = await browser.get(toLogin.location!);
  const { action, fields } = parseForm(page.text);
  const wrong = await browser.post(action, { ...fields, username, password: 'Wrong-Password-0987' });
  if (wrong.status !== 401) throw new Error(`wrong password: ${wrong.status}`);
  const retry = parseForm(wrong.text).fields;
  const signedIn = await browser.post(action, { ...retry, username, password: PASSWORD });
  const code = responseParams(signedIn.location!).code;
  if (!code) throw new Error(`no code: ${signedIn.status} ${signedIn.location}`);
  const exchanged = await tokenRequest(ts, instance, { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, client_id: app.clientId, client_secret: app.clientSecret, code_verifier: verifier });
  if (exchanged.status !== 200) throw new Error(`code exchange: ${exchanged.status} ${JSON.stringify(exchanged.body)}`);
  const refreshed = await tokenRequest(ts, instance, { grant_type: 'refresh_token', refresh_token: exchanged.body.refresh_token, client_id: app.clientId, client_secret: app.clientSecret });
  if (refreshed.status !== 200) throw new Error(`refresh: ${refreshed.status} ${JSON.stringify(refreshed.body)}`);
  const cookies = [...browser.cookies(`${instance.host}:${ts.port}`).values()];
  return {
    browser,
    responses: [exchanged, refreshed],
    secrets: [
      fields.request,
      fields.csrf,
      retry.csrf,
      'Wrong-Password-0987',
      code,
      verifier,
      ...cookies,
      ...[exchanged.body, refreshed.body].flatMap((b) => [b.access_token, b.refresh_token, b.id_token]),
    ].filter((s): s is string => typeof s === 'string' && s.length >= 8),
  };
}
