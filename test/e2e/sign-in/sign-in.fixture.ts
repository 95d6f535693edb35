import { Browser, parseForm, type BrowserResponse } from '../../utils/browser';
import { createApplication, createInstance, createUser, type InstanceFixture } from '../../utils/fixtures';
import type { TestServer } from '../../utils/test-server';

export const PASSWORD = 'correct horse battery';
export const CALLBACK = 'https://app.example.com/signin-callback';
export const LOGOUT_CALLBACK = 'https://app.example.com/signout-callback';

/** An instance with an internal user, a community user and a Confidential application for sign-in. */
export async function signInSetup(ts: TestServer, appBody: Record<string, unknown> = {}) {
  const instance = await createInstance(ts);
  const user = await createUser(ts, instance, { Login: 'john.doe', Email: 'john.doe@example.com', Name: 'John Doe', Password: PASSWORD, Locale: 'bg', EmailVerified: true, IsAdmin: true });
  const app = await createApplication(ts, instance, {
    ImpersonateAsInternalUserAllowed: true,
    ImpersonateLoginUrl: CALLBACK,
    ImpersonateLogoutUrl: LOGOUT_CALLBACK,
    Scope: 'read update',
    ...appBody,
  });
  return { instance, user, app };
}

export function issuerOf(ts: TestServer, instance: InstanceFixture): string {
  return `http://${instance.host}:${ts.port}/id`;
}

/**
 * Opens an authorize URL in the browser; when the sign-in page appears, submits the credentials.
 * Returns the response that goes back to the application (a redirect or the form_post page).
 */
export async function signIn(browser: Browser, authorizeUrl: string, username = 'john.doe', password = PASSWORD): Promise<BrowserResponse> {
  const first = await browser.get(authorizeUrl);
  if (first.status !== 302 || !first.location?.includes('/id/account/login')) return first;
  const page = await browser.get(first.location);
  if (page.status !== 200) return page;
  const { action, fields } = parseForm(page.text);
  return browser.post(action, { ...fields, username, password });
}
