import type { AddressInfo } from 'node:net';
import { verifyAccount } from './erpnet-id.fixture';
import { SMTPServer } from 'smtp-server';
import { Browser, parseForm } from '../../utils/browser';
import { auth, createInstance, type InstanceFixture } from '../../utils/fixtures';
import { startTestServer, unique, type TestServer } from '../../utils/test-server';

interface ReceivedMail {
  from: string;
  to: string[];
  headers: string;
  text: string;
}

const MAIL_FROM = 'ERP.net ID <id@example.test>';

/** A local SMTP server on loopback: no TLS (no STARTTLS offered), no authentication; keeps every message. */
async function startSmtpServer(): Promise<{ server: SMTPServer; url: string; received: ReceivedMail[] }> {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const split = raw.indexOf('\r\n\r\n');
        const headers = raw.slice(0, split);
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          headers,
          text: decodeBody(headers, raw.slice(split + 4)),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`, received };
}

/** The body of a single-part text message in its transfer encoding (7bit, quoted-printable or base64). */
function decodeBody(headers: string, body: string): string {
  const encoding = /^content-transfer-encoding:\s*(\S+)/im.exec(headers)?.[1]?.toLowerCase();
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h: string) => `%${h}`);
    return decodeURIComponent(bytes.replace(/%(?![0-9A-F]{2})/gi, '%25'));
  }
  return body;
}

describe('ERP.net ID mail through SMTP_URL', () => {
  let ts: TestServer;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let global: InstanceFixture;
  let base: string;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    ts = await startTestServer({ SMTP_URL: smtp.url, MAIL_FROM });
    await ts.listen();
    global = await createInstance(ts, { Type: 'Global' });
    base = `http://${global.host}:${ts.port}/id`;
  });
  afterAll(async () => {
    await ts?.close();
    await new Promise<void>((resolve) => (smtp?.server ? smtp.server.close(() => resolve()) : resolve()));
  });

  const mailsTo = (email: string) => smtp.received.filter((m) => m.to.includes(email));
  const linkIn = (mail: ReceivedMail, path: string) => new RegExp(`${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/account/${path}\\?token=[A-Za-z0-9_-]+`).exec(mail.text)?.[0];

  async function register(browser: Browser, email: string): Promise<void> {
    const page = await browser.get(`${base}/account/register`);
    const { action, fields } = parseForm(page.text);
    const res = await browser.post(action, { ...fields, name: 'Mila Smtp', email, password: 'a strong password', language: 'en' });
    expect(res.status).toBe(200);
  }

  it('registration mails the verification link by SMTP, from MAIL_FROM, and leaves the outbox empty', async () => {
    const email = `${unique('smtp')}@example.com`;
    const browser = new Browser(ts);
    await register(browser, email);

    const mails = mailsTo(email);
    expect(mails).toHaveLength(1);
    const [mail] = mails;
    expect(mail.to).toEqual([email]);
    expect(mail.from).toBe('id@example.test');
    expect(mail.headers).toMatch(/^From: "?ERP\.net ID"? <id@example\.test>$/m);
    expect(mail.headers).toMatch(/^Subject: Confirm your ERP\.net ID email$/m);
    const link = linkIn(mail, 'verify');
    expect(link).toBeDefined();

    const outbox = await ts.http().get(`/admin/v1/outbox?to=${encodeURIComponent(email)}`).set(auth);
    expect(outbox.status).toBe(200);
    expect(outbox.body).toEqual([]);

    // The link from the mail confirms the email once, and only at the authority that sent it.
    const other = await createInstance(ts, { Type: 'Global' });
    expect((await browser.get(link!.replace(global.host, other.host))).status).toBe(400);
    expect((await verifyAccount(browser, link!, 'a strong password')).status).toBe(200);
    expect((await browser.get(link!)).status).toBe(400);
    const users = await ts.http().get(`/admin/v1/instances/${global.name}/users`).set(auth);
    expect(users.body.find((u: { Email: string }) => u.Email === email)).toMatchObject({ EmailVerified: true });
  });

  it('the password-reset link goes by SMTP too, and sets a new password', async () => {
    const email = `${unique('reset')}@example.com`;
    const browser = new Browser(ts);
    await register(browser, email);

    const forgot = await browser.get(`${base}/account/forgot`);
    const f = parseForm(forgot.text);
    expect((await browser.post(f.action, { ...f.fields, email })).status).toBe(200);

    const mails = mailsTo(email);
    expect(mails).toHaveLength(2);
    const reset = mails[1];
    expect(reset.headers).toMatch(/^Subject: Reset your ERP\.net ID password$/m);
    const link = linkIn(reset, 'reset');
    expect(link).toBeDefined();
    expect((await ts.http().get(`/admin/v1/outbox?to=${encodeURIComponent(email)}`).set(auth)).body).toEqual([]);

    const page = await browser.get(link!);
    expect(page.status).toBe(200);
    const r = parseForm(page.text);
    expect((await browser.post(r.action, { ...r.fields, password: 'a brand new password' })).status).toBe(200);

    // An unknown address gets no mail, and the page answers the same.
    const before = smtp.received.length;
    const nobody = `${unique('nobody')}@example.com`;
    expect((await browser.post(f.action, { ...parseForm((await browser.get(`${base}/account/forgot`)).text).fields, email: nobody })).status).toBe(200);
    expect(smtp.received.length).toBe(before);
  });
});
