import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, exportJWK, SignJWT, type JWTPayload } from 'jose';
// The server first: loading an entity on its own trips over the entities' circular imports.
import { startTestServer, type TestServer } from '../../utils/test-server';
import { KeysService } from '../../../src/modules/keys/keys.service';
import type { Browser } from '../../utils/browser';
import { auth, createApplication, type ApplicationFixture, type InstanceFixture } from '../../utils/fixtures';
import { LOGOUT_CALLBACK, signInSetup } from '../sign-in/sign-in.fixture';
import { instanceId, NO_RATE_LIMITS, signedIn, type UserTokens } from './hardening.fixture';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

interface SigningMaterial {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  issuer: string;
}

/** What an attack starts from: a genuine token of instance A, A's keys, and instance B's. */
interface Baseline {
  token: string;
  header: { alg: string; kid: string; typ: string };
  claims: JWTPayload;
  a: SigningMaterial;
  b: SigningMaterial;
}

type Attack = (base: Baseline) => Promise<string>;

const sign = (claims: JWTPayload, header: Record<string, unknown>, key: KeyObject | Uint8Array) => new SignJWT(claims).setProtectedHeader(header as never).sign(key);
const resign = (base: Baseline, claims: JWTPayload, header: Record<string, unknown> = {}) => sign(claims, { ...base.header, ...header }, base.a.privateKey);
const hmacWith = (secret: string): Attack => (base) => sign(base.claims, { ...base.header, alg: 'HS256' }, new TextEncoder().encode(secret));
const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });

/**
 * Every forgery, replay or misuse we know of for a JWT that we verify ourselves. Each applies to
 * an access token (userinfo, introspection) and to an ID token (id_token_hint) alike.
 */
const ATTACKS: [string, Attack][] = [
  ['alg none', async (base) => `${b64({ ...base.header, alg: 'none' })}.${b64(base.claims)}.`],
  ['alg none, signature kept', async (base) => `${b64({ ...base.header, alg: 'none' })}.${b64(base.claims)}.${base.token.split('.')[2]}`],
  ['HS256 keyed with our public key (SPKI PEM)', (base) => hmacWith(base.a.publicKey.export({ type: 'spki', format: 'pem' }) as string)(base)],
  ['HS256 keyed with our public key (PKCS#1 PEM)', (base) => hmacWith(base.a.publicKey.export({ type: 'pkcs1', format: 'pem' }) as string)(base)],
  ['HS256 keyed with our public key (JWK JSON)', async (base) => hmacWith(JSON.stringify(await exportJWK(base.a.publicKey)))(base)],
  ['HS256 keyed with our JWKS entry (with kid, use, alg)', async (base) => hmacWith(JSON.stringify({ ...(await exportJWK(base.a.publicKey)), kid: base.a.kid, use: 'sig', alg: 'RS256' }))(base)],
  ['PS256 with our own private key (an algorithm we never use)', (base) => resign(base, base.claims, { alg: 'PS256' })],
  ['RS512 with our own private key', (base) => resign(base, base.claims, { alg: 'RS512' })],
  ["another instance's kid, signed by that instance", (base) => sign(base.claims, { ...base.header, kid: base.b.kid }, base.b.privateKey)],
  ["our kid, signed with another instance's key", (base) => sign(base.claims, base.header, base.b.privateKey)],
  ['an attacker key embedded in the header (jwk)', async (base) => sign(base.claims, { ...base.header, kid: undefined, jwk: await exportJWK(attacker.publicKey) }, attacker.privateKey)],
  ['an attacker key by URL (jku)', (base) => sign(base.claims, { ...base.header, jku: 'https://attacker.example.com/jwks' }, attacker.privateKey)],
  ['no kid', (base) => resign(base, base.claims, { kid: undefined })],
  ['an unknown kid', (base) => resign(base, base.claims, { kid: 'F'.repeat(32) })],
  ['not yet valid (nbf in an hour)', (base) => resign(base, { ...base.claims, nbf: now() + 3600 })],
  ['issued in the future (iat in an hour)', (base) => resign(base, { ...base.claims, iat: now() + 3600 })],
  ["another instance's issuer", (base) => resign(base, { ...base.claims, iss: base.b.issuer })],
  ['a foreign issuer', (base) => resign(base, { ...base.claims, iss: 'https://attacker.example.com/id' })],
  ['no issuer', (base) => resign(base, { ...base.claims, iss: undefined })],
  ['a payload changed after signing', async (base) => { const [h, , s] = base.token.split('.'); return `${h}.${b64({ ...base.claims, sub: 'admin', is_admin: true })}.${s}`; }],
  ['the signature removed', async (base) => base.token.split('.').slice(0, 2).join('.') + '.'],
  ['the signature of another token', async (base) => { const [h, p] = base.token.split('.'); const other = await resign(base, { ...base.claims, jti: 'X' }); return `${h}.${p}.${other.split('.')[2]}`; }],
  ['a JWE-shaped string', async () => 'eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d'],
];

/** Only for access tokens: an ID token would tell them apart by typ and aud. */
const ACCESS_TOKEN_ATTACKS: [string, Attack][] = [
  ['expired', (base) => resign(base, { ...base.claims, iat: now() - 7200, nbf: now() - 7200, exp: now() - 3600 })],
  ['an audience without {iss}/resources', (base) => resign(base, { ...base.claims, aud: ['DomainAPI', 'TableAPI'] })],
  ["another instance's resources as audience", (base) => resign(base, { ...base.claims, aud: [`${base.b.issuer}/resources`] })],
  ['typ JWT (the shape of an ID token)', (base) => resign(base, base.claims, { typ: 'JWT' })],
  ['no typ', (base) => resign(base, base.claims, { typ: undefined })],
];

/** Only for id_token_hint. */
const ID_TOKEN_ATTACKS: [string, Attack][] = [
  ['typ at+jwt (an access token)', (base) => resign(base, base.claims, { typ: 'at+jwt' })],
  ['typ logout+jwt', (base) => resign(base, base.claims, { typ: 'logout+jwt' })],
  ['an audience that is no application of the instance', (base) => resign(base, { ...base.claims, aud: 'unknown.example.com' })],
  ['several audiences without azp', (base) => resign(base, { ...base.claims, aud: [base.claims.aud as string, 'other.example.com'] })],
];

describe('hardening: JWT attacks on every endpoint that accepts a token', () => {
  let ts: TestServer;
  let a: { instance: InstanceFixture; app: ApplicationFixture; resourceServer: ApplicationFixture };
  let session: { browser: Browser; tokens: UserTokens };
  let accessBase: Baseline;
  let idBase: Baseline;

  async function material(instance: InstanceFixture): Promise<SigningMaterial> {
    const { kid, privateKey } = await ts.server.app.get(KeysService).signingKey(await instanceId(ts, instance));
    return { kid, privateKey, publicKey: createPublicKey(privateKey), issuer: `http://${instance.host}/id` };
  }

  function baseline(token: string, keys: { a: SigningMaterial; b: SigningMaterial }): Baseline {
    return { token, header: decodeProtectedHeader(token) as Baseline['header'], claims: decodeJwt(token), ...keys };
  }

  beforeAll(async () => {
    ts = await startTestServer();
    const setup = await signInSetup(ts, { Scope: 'read update' });
    await ts.http().patch(`/admin/v1/instances/${setup.instance.name}`).set(auth).send(NO_RATE_LIMITS).expect(200);
    a = { instance: setup.instance, app: setup.app, resourceServer: await createApplication(ts, setup.instance, { Scope: 'read' }) };
    const b = await signInSetup(ts);
    session = await signedIn(ts, a.instance, a.app);
    const keys = { a: await material(a.instance), b: await material(b.instance) };
    accessBase = baseline(session.tokens.access_token, keys);
    idBase = baseline(session.tokens.id_token, keys);
  });
  afterAll(() => ts.close());

  const userinfo = (token: string) => ts.http().get('/id/connect/userinfo').set('Host', a.instance.host).set('Authorization', `Bearer ${token}`);
  const introspect = (token: string) =>
    ts.http().post('/id/connect/introspect').set('Host', a.instance.host).type('form').send({ token, client_id: a.resourceServer.clientId, client_secret: a.resourceServer.clientSecret });
  const endSession = (hint: string) =>
    session.browser.get(`http://${a.instance.host}/id/connect/endsession?${new URLSearchParams({ id_token_hint: hint, post_logout_redirect_uri: LOGOUT_CALLBACK, state: 'st' })}`);

  async function expectRefused(token: string): Promise<void> {
    const info = await userinfo(token);
    expect({ status: info.status, body: info.body }).toEqual({ status: 401, body: { error: 'invalid_token', error_description: expect.any(String) } });
    expect(info.headers['www-authenticate']).toMatch(/^Bearer realm="[^"]+", error="invalid_token"$/);
    const intro = await introspect(token);
    expect({ status: intro.status, body: intro.body }).toEqual({ status: 200, body: { active: false } });
  }

  /** No valid hint: with a session, the person is asked (the confirmation form), and nothing redirects. */
  async function expectHintIgnored(hint: string): Promise<void> {
    const res = await endSession(hint);
    expect(res.status).toBe(200);
    expect(res.location).toBeUndefined();
    expect(res.text).toContain('name="confirm" value="yes"');
    expect(res.text).not.toContain(LOGOUT_CALLBACK.replace(/\//g, '&#x2F;'));
  }

  it('the genuine tokens work (the control for every attack below)', async () => {
    expect((await userinfo(session.tokens.access_token)).status).toBe(200);
    expect((await introspect(session.tokens.access_token)).body.active).toBe(true);
    // Re-signed unchanged by our key: the attacks below fail for what they change, not for being re-signed.
    const resigned = await resign(accessBase, accessBase.claims);
    expect((await userinfo(resigned)).status).toBe(200);
    expect(decodeProtectedHeader(session.tokens.id_token)).toMatchObject({ alg: 'RS256', typ: 'JWT', kid: accessBase.a.kid });
  });

  describe('userinfo (401 invalid_token) and introspection ({"active":false})', () => {
    it.each([...ATTACKS, ...ACCESS_TOKEN_ATTACKS])('refuses %s', async (_name, attack) => {
      await expectRefused(await attack(accessBase));
    });

    it('refuses the ID token used as an access token', async () => {
      await expectRefused(session.tokens.id_token);
    });

    it('refuses the refresh token and garbage used as access tokens', async () => {
      await expectRefused(session.tokens.refresh_token!);
      await expectRefused('a.b.c');
    });
  });

  describe('end session: an invalid id_token_hint counts as none (confirmation, no redirect)', () => {
    it.each([...ATTACKS, ...ID_TOKEN_ATTACKS])('ignores %s', async (_name, attack) => {
      await expectHintIgnored(await attack(idBase));
    });

    it('ignores the access token used as a hint', async () => {
      await expectHintIgnored(session.tokens.access_token);
    });

    it("a genuine ID token for another application of the instance is that application's hint: it never redirects to our URI", async () => {
      // OIDC RP-Initiated Logout §2: the hint names the RP (its aud); post_logout_redirect_uri must be registered for that RP.
      const other = await createApplication(ts, a.instance, { ImpersonateAsInternalUserAllowed: true, ImpersonateLogoutUrl: 'https://other.example.com/bye' });
      await expectHintIgnored(await resign(idBase, { ...idBase.claims, aud: other.clientId }));
    });

    it('an expired but otherwise genuine hint is still a hint (RP-Initiated Logout §2), and the genuine one logs out with a redirect', async () => {
      // Last: these end the session.
      const expired = await resign(idBase, { ...idBase.claims, iat: now() - 7200, exp: now() - 3600 });
      const res = await endSession(expired);
      expect(res.status).toBe(302);
      expect(res.location).toBe(`${LOGOUT_CALLBACK}?state=st`);
    });
  });
});
