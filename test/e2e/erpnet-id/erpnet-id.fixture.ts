import { randomBytes } from 'node:crypto';
import { hashSecret } from '@app/oauth-core';
import { Browser, parseForm } from '../../utils/browser';
import { auth, createApplication, createInstance, createUser, type InstanceFixture } from '../../utils/fixtures';
import { unique, type TestServer } from '../../utils/test-server';

export const APP_CALLBACK = 'https://portal.example.com/signin-callback';
export const APP_LOGGED_OUT = 'https://portal.example.com/signed-out';

/** The global ERP.net ID authority and an instance that accepts it, wired as the demo wires them. */
export async function federationSetup(ts: TestServer, options: { enabled?: boolean } = {}) {
  const global = await createInstance(ts, { Type: 'Global' });
  const globalIssuer = `http://${global.host}:${ts.port}/id`;
  const instanceName = unique('fed');
  const instanceHost = `${instanceName}.test.local`;
  const secret = randomBytes(24).toString('base64url');
  const upstreamApp = await createApplication(ts, global, {
    ApplicationUri: instanceHost,
    ApplicationSecretHash: hashSecret(secret),
    ImpersonateAsInternalUserAllowed: true,
    ImpersonateLoginUrl: `http://${instanceHost}:${ts.port}/id/account/external/callback`,
    ImpersonateLogoutUrl: `http://${instanceHost}:${ts.port}/id/account/external/logged-out`,
    BackChannelLogoutUri: `http://${instanceHost}:${ts.port}/id/account/external/backchannel-logout`,
  });
  const res = await ts.http().post('/admin/v1/instances').set(auth).send({
    Name: instanceName,
    Hosts: [instanceHost],
    Database: 'E1_FED',
    ErpNetIdSignInEnabled: options.enabled ?? true,
    ExternalProviders: [{ Name: 'erpnet-id', Issuer: globalIssuer, ClientId: instanceHost, ClientSecret: secret }],
  });
  if (res.status !== 201) throw new Error(JSON.stringify(res.body));
  const instance: InstanceFixture = { name: instanceName, host: instanceHost, database: 'E1_FED' };
  const app = await createApplication(ts, instance, { ImpersonateAsInternalUserAllowed: true, ImpersonateLoginUrl: APP_CALLBACK, ImpersonateLogoutUrl: APP_LOGGED_OUT });
  return { global, globalIssuer, instance, app, upstreamApp };
}

/**
 * Confirms the address as its owner does: in the browser that registered, opening the mailed link
 * is enough; anywhere else the link shows a form that takes the account's password. Returns the
 * answer to the form, or to the link when it shows none.
 */
export async function verifyAccount(browser: Browser, link: string, password: string) {
  const page = await browser.get(link);
  if (page.status !== 200 || !page.text.includes('name="password"')) return page;
  const { action, fields } = parseForm(page.text);
  return browser.post(action, { ...fields, password });
}

/** Registers an ERP.net ID through the pages; returns the verification link from the outbox. */
export async function registerAccount(ts: TestServer, browser: Browser, global: InstanceFixture, account: { name: string; email: string; password: string }) {
  const base = `http://${global.host}:${ts.port}/id`;
  const page = await browser.get(`${base}/account/register`);
  if (page.status !== 200) throw new Error(`register page ${page.status}`);
  const { action, fields } = parseForm(page.text);
  const res = await browser.post(action, { ...fields, name: account.name, email: account.email, password: account.password, phone: '+359 2 123 4567', language: 'bg', company: 'Acme', message: 'hello' });
  if (res.status !== 200) throw new Error(`register ${res.status}: ${res.text.slice(0, 500)}`);
  const outbox = await ts.http().get(`/admin/v1/outbox?to=${encodeURIComponent(account.email)}`).set(auth);
  const link = (outbox.body as { Links: string[] }[])[0]?.Links.find((l) => l.includes('/account/verify'));
  return { link };
}

export { createUser };
