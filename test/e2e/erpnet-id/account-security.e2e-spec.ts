import { Browser, parseForm } from '../../utils/browser';
import { auth, createInstance, type InstanceFixture } from '../../utils/fixtures';
import { startTestServer, unique, type TestServer } from '../../utils/test-server';
import { registerAccount, verifyAccount } from './erpnet-id.fixture';

/**
 * ERP.net ID accounts against someone who got there first: an address registered before its owner
 * (the "unexpired session" pre-hijack), a password guessed on the profile form, a mailbox bombed
 * through the forms, a deactivated account.
 */
describe('ERP.net ID accounts: proving the mailbox or changing the password shuts everyone else out', () => {
  let ts: TestServer;
  let global: InstanceFixture;
  beforeAll(async () => {
    ts = await startTestServer();
    await ts.listen();
    global = await createInstance(ts, { Type: 'Global', SignInMaxFailures: 3, SignInLockoutSeconds: 3600 });
  });
  afterAll(() => ts.close());

  const base = () => `http://${global.host}:${ts.port}/id/account`;
  const signIn = async (browser: Browser, email: string, password: string) => {
    const page = parseForm((await browser.get(`${base()}/login`)).text);
    return (await browser.post(page.action, { ...page.fields, username: email, password })).status;
  };
  /** 200 while the browser's session lives; the page sends anyone else to sign in. */
  const profileStatus = async (browser: Browser) => (await browser.get(`${base()}/profile`)).status;
  const outbox = async (email: string) => (await ts.http().get(`/admin/v1/outbox?to=${encodeURIComponent(email)}`).set(auth).expect(200)).body as { Links: string[] }[];
  const forgot = async (browser: Browser, email: string) => {
    const page = parseForm((await browser.get(`${base()}/forgot`)).text);
    expect((await browser.post(page.action, { ...page.fields, email })).status).toBe(200);
  };
  const reset = async (browser: Browser, link: string, password: string) => {
    const page = await browser.get(link);
    if (page.status !== 200) return page.status;
    const form = parseForm(page.text);
    return (await browser.post(form.action, { ...form.fields, password })).status;
  };
  const changePassword = async (browser: Browser, current: string, next: string) => {
    const form = parseForm((await browser.get(`${base()}/profile`)).text);
    return (await browser.post(form.action, { ...form.fields, action: 'password', current_password: current, new_password: next })).status;
  };

  it("the owner's password reset ends the session of whoever registered the address first", async () => {
    const email = `${unique('victim')}@example.com`;
    const attacker = new Browser(ts);
    await registerAccount(ts, attacker, global, { name: 'Mallory', email, password: 'attacker password' });
    expect(await signIn(attacker, email, 'attacker password')).toBe(200);
    expect(await profileStatus(attacker)).toBe(200);

    // The owner registers too, is told the address has an account, and resets the password.
    const owner = new Browser(ts);
    await registerAccount(ts, owner, global, { name: 'Owner', email, password: 'owner password' });
    const link = (await outbox(email))[0].Links.find((l) => l.includes('/account/reset'))!;
    expect(await reset(owner, link, 'owner password')).toBe(200);

    expect(await profileStatus(attacker)).not.toBe(200);
    expect(await signIn(attacker, email, 'attacker password')).toBe(401);
  });

  it("the owner of a mailbox cannot confirm a stranger's account by following the mail: the link asks for the account's password", async () => {
    const email = `${unique('victim')}@example.com`;
    const attacker = new Browser(ts);
    const { link } = await registerAccount(ts, attacker, global, { name: 'Mallory', email, password: 'attacker password' });
    expect(await signIn(attacker, email, 'attacker password')).toBe(200);

    // Opening the link (as a mail scanner would) changes nothing; the owner does not know the password.
    const owner = new Browser(ts);
    const page = await owner.get(link!);
    expect(page.status).toBe(200);
    expect(page.text).toContain('type="password"');
    expect((await verifyAccount(owner, link!, 'the owner guesses')).status).toBe(401);
    const users = (await ts.http().get(`/admin/v1/instances/${global.name}/users`).set(auth).expect(200)).body as { Email: string; EmailVerified: boolean }[];
    expect(users.find((u) => u.Email === email)!.EmailVerified).toBe(false);
    // The link still works for whoever has both, once.
    expect((await verifyAccount(new Browser(ts), link!, 'attacker password')).status).toBe(200);
    expect((await verifyAccount(new Browser(ts), link!, 'attacker password')).status).toBe(400);
  });

  it('opened in the browser that registered the account, the link confirms at once (the mailbox and the registrant together)', async () => {
    const email = `${unique('same')}@example.com`;
    const browser = new Browser(ts);
    const { link } = await registerAccount(ts, browser, global, { name: 'Same Browser', email, password: 'my own password' });
    const opened = await browser.get(link!);
    expect(opened.status).toBe(200);
    expect(opened.text).not.toContain('name="password"');
    const users = (await ts.http().get(`/admin/v1/instances/${global.name}/users`).set(auth).expect(200)).body as { Email: string; EmailVerified: boolean }[];
    expect(users.find((u) => u.Email === email)!.EmailVerified).toBe(true);
    // Another browser's registration cookie is no registrant of this account.
    const other = new Browser(ts);
    const email2 = `${unique('other')}@example.com`;
    await registerAccount(ts, other, global, { name: 'Someone', email: `${unique('x')}@example.com`, password: 'my own password' });
    const { link: link2 } = await registerAccount(ts, new Browser(ts), global, { name: 'Second', email: email2, password: 'my own password' });
    expect((await other.get(link2!)).text).toContain('name="password"');
    // Registering an address that has an account sets the same cookie: the answer tells nothing.
    const probe = new Browser(ts);
    const page = parseForm((await probe.get(`${base()}/register`)).text);
    const res = await probe.post(page.action, { ...page.fields, name: 'Probe', email, password: 'a fine passphrase' });
    expect([...probe.cookies(`${global.host}:${ts.port}`).keys()]).toContain('iis.registrant');
    expect(res.status).toBe(200);
  });

  it("verifying the address ends every other session of the account, and keeps the verifying browser's", async () => {
    const email = `${unique('verify')}@example.com`;
    const first = new Browser(ts);
    const { link } = await registerAccount(ts, first, global, { name: 'Two Browsers', email, password: 'my own password' });
    expect(await signIn(first, email, 'my own password')).toBe(200);
    const self = new Browser(ts);
    expect(await signIn(self, email, 'my own password')).toBe(200);
    expect((await verifyAccount(self, link!, 'my own password')).status).toBe(200);
    expect(await profileStatus(self)).toBe(200);
    expect(await profileStatus(first)).not.toBe(200);
  });

  it('a password is kept as typed (spaces too), and a common one, a blank one, or the email itself is refused', async () => {
    const email = `${unique('pw')}@example.com`;
    const browser = new Browser(ts);
    const { link } = await registerAccount(ts, browser, global, { name: 'Spaced', email, password: '  spaced password  ' });
    expect((await verifyAccount(browser, link!, '  spaced password  ')).status).toBe(200);
    expect(await signIn(new Browser(ts), email, '  spaced password  ')).toBe(200);
    expect(await signIn(new Browser(ts), email, 'spaced password')).toBe(401);

    const register = async (password: string, address = `${unique('weak')}@example.com`) => {
      const b = new Browser(ts);
      const page = parseForm((await b.get(`${base()}/register`)).text);
      return (await b.post(page.action, { ...page.fields, name: 'Weak', email: address, password })).status;
    };
    for (const weak of ['password', '12345678', 'Password1', '          ']) expect({ weak, status: await register(weak) }).toEqual({ weak, status: 400 });
    const address = `${unique('self')}@example.com`;
    expect(await register(address, address)).toBe(400);
    expect(await register(address.split('@')[0], address)).toBe(400);
    expect(await register('a fine passphrase', address)).toBe(200);
  });

  it('one mailbox, one account: however the address is spelled (unicode or punycode domain, quoted local part, NFD)', async () => {
    const tag = unique('mb');
    const spellings: [string, string][] = [
      [`${tag}@exämple.test`, `${tag}@xn--exmple-cua.test`],
      [`"${tag}"@example.test`, `${tag}@example.test`],
      [`jose\u0301${tag}@example.test`, `jos\u00e9${tag}@example.test`],
    ];
    for (const [first, second] of spellings) {
      const browser = new Browser(ts);
      await registerAccount(ts, browser, global, { name: 'First', email: first, password: 'the first password' });
      await registerAccount(ts, new Browser(ts), global, { name: 'Second', email: second, password: 'the second password' });
      const accounts = ((await ts.http().get(`/admin/v1/instances/${global.name}/users`).set(auth).expect(200)).body as { Email: string }[]).filter(
        (u) => u.Email === second.toLowerCase(),
      );
      expect({ first, accounts: accounts.length }).toEqual({ first, accounts: 1 });
      // Either spelling signs in to it.
      expect(await signIn(new Browser(ts), first, 'the first password')).toBe(200);
      expect(await signIn(new Browser(ts), second, 'the first password')).toBe(200);
    }
  });

  it('the profile page sends a signed-out person to sign in and back to the profile; a return anywhere else is ignored', async () => {
    const email = `${unique('back')}@example.com`;
    const { link } = await registerAccount(ts, new Browser(ts), global, { name: 'Back', email, password: 'my own password' });
    await verifyAccount(new Browser(ts), link!, 'my own password');
    const browser = new Browser(ts);
    const toLogin = await browser.get(`${base()}/profile`);
    expect(toLogin.status).toBe(303);
    const page = await browser.get(toLogin.location!);
    const form = parseForm(page.text);
    expect(form.fields.return).toBe('/id/account/profile');
    const signedIn = await browser.post(form.action, { ...form.fields, username: email, password: 'my own password' });
    expect(signedIn.status).toBe(303);
    expect(signedIn.location).toBe(`${base()}/profile`);

    for (const elsewhere of ['https://evil.example/id/account/profile', '//evil.example/id/account/profile', `http://${global.host}:${ts.port}/id/connect/authorize`, '/id/account/login']) {
      const other = new Browser(ts);
      const loginPage = parseForm((await other.get(`${base()}/login?return=${encodeURIComponent(elsewhere)}`)).text);
      expect(loginPage.fields.return).toBeUndefined();
      const res = await other.post(loginPage.action, { ...loginPage.fields, return: elsewhere, username: email, password: 'my own password' });
      expect({ elsewhere, status: res.status }).toEqual({ elsewhere, status: 200 });
    }
  });

  it('a password change ends the other sessions and voids the unused reset links', async () => {
    const email = `${unique('change')}@example.com`;
    const here = new Browser(ts);
    const { link } = await registerAccount(ts, here, global, { name: 'Changer', email, password: 'first password' });
    await verifyAccount(here, link!, 'first password');
    const elsewhere = new Browser(ts);
    expect(await signIn(elsewhere, email, 'first password')).toBe(200);
    expect(await signIn(here, email, 'first password')).toBe(200);
    await forgot(elsewhere, email);
    const resetLink = (await outbox(email))[0].Links.find((l) => l.includes('/account/reset'))!;

    expect(await changePassword(here, 'first password', 'second password')).toBe(200);
    expect(await profileStatus(here)).toBe(200);
    expect(await profileStatus(elsewhere)).not.toBe(200);
    expect(await reset(elsewhere, resetLink, 'third password')).toBe(400);
  });

  it('guessing the current password on the profile form counts toward the sign-in lockout', async () => {
    const email = `${unique('guess')}@example.com`;
    const browser = new Browser(ts);
    const { link } = await registerAccount(ts, browser, global, { name: 'Guessed', email, password: 'the password' });
    await verifyAccount(browser, link!, 'the password');
    expect(await signIn(browser, email, 'the password')).toBe(200);
    for (let i = 0; i < 3; i++) expect(await changePassword(browser, `guess ${i}`, 'new password here')).toBe(400);
    // Locked now: even the right password is refused, here and at sign-in.
    expect(await changePassword(browser, 'the password', 'new password here')).toBe(400);
    expect(await signIn(new Browser(ts), email, 'the password')).toBe(401);
  });

  it('one reset mail a minute to an address, and asking again does not void the link already sent', async () => {
    const email = `${unique('bomb')}@example.com`;
    const browser = new Browser(ts);
    const { link } = await registerAccount(ts, browser, global, { name: 'Bombed', email, password: 'the password' });
    await verifyAccount(browser, link!, 'the password');
    const stranger = new Browser(ts);
    for (let i = 0; i < 5; i++) await forgot(stranger, email);
    const resets = (await outbox(email)).filter((m) => m.Links.some((l) => l.includes('/account/reset')));
    expect(resets).toHaveLength(1);
    expect(await reset(new Browser(ts), resets[0].Links[0], 'a new password')).toBe(200);
  });

  it('a deactivated account gets no mail from registration, and its links do nothing', async () => {
    const email = `${unique('inactive')}@example.com`;
    const browser = new Browser(ts);
    const { link } = await registerAccount(ts, browser, global, { name: 'Inactive', email, password: 'the password' });
    const users = (await ts.http().get(`/admin/v1/instances/${global.name}/users`).set(auth)).body as { Login: string; Email: string }[];
    const login = users.find((u) => u.Email === email)!.Login;
    await ts.http().patch(`/admin/v1/instances/${global.name}/users/${encodeURIComponent(login)}`).set(auth).send({ Active: false }).expect(200);

    const before = (await outbox(email)).length;
    await registerAccount(ts, new Browser(ts), global, { name: 'Again', email, password: 'another password' });
    expect((await outbox(email)).length).toBe(before);
    expect((await verifyAccount(new Browser(ts), link!, 'another password')).status).toBe(400);
    const user = (await ts.http().get(`/admin/v1/instances/${global.name}/users/${encodeURIComponent(login)}`).set(auth)).body;
    expect(user.EmailVerified).toBe(false);
  });
});
