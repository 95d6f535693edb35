import { createHash } from 'node:crypto';
import { decodeJwt } from 'jose';
import { DataSource } from 'typeorm';
import { createApplication } from '../../utils/fixtures';
import { statementsSent } from '../../utils/statements';
import { moveClock, startTestServer, type TestServer } from '../../utils/test-server';
import { createPublicApplication, exchangeCode, obtainCode, patchUser, pkce, setupInstance, tokenRequest, userinfo, type Setup } from '../sign-in/authorize.fixture';
import { CALLBACK } from '../sign-in/sign-in.fixture';
import { TokenSigner } from '../../../src/modules/keys/token-signer.service';

const sha256 = (v: string) => createHash('sha256').update(v).digest('hex');

/**
 * The authorization_code and refresh_token grants through the real server and database (PGlite,
 * or the PostgreSQL of DATABASE_URL): what each outcome leaves in the database, and how many
 * statements a success costs.
 */
describe('user grants: one statement per success, and what every outcome leaves behind', () => {
  let ts: TestServer;
  let db: DataSource;
  let setup: Setup;

  beforeAll(async () => {
    ts = await startTestServer();
    await ts.listen();
    db = ts.server.app.get(DataSource);
    setup = await setupInstance(ts);
  });
  afterAll(() => ts.close());
  afterEach(() => jest.restoreAllMocks());

  const codeRow = async (code: string) => (await db.query('SELECT consumed_at, issued_jti, grant_id FROM authorization_codes WHERE code_hash = $1', [sha256(code)]))[0];
  const refreshRow = async (token: string) => (await db.query('SELECT * FROM refresh_tokens WHERE token_hash = $1', [sha256(token)]))[0];
  const family = async (grantId: string) =>
    (await db.query('SELECT token_hash, consumed_at, revoked_at FROM refresh_tokens WHERE grant_id = $1 ORDER BY created_at', [grantId])) as { token_hash: string; consumed_at: Date | null; revoked_at: Date | null }[];
  const refresh = (s: Pick<Setup, 'instance' | 'app'>, token: string, extra: Record<string, string> = {}) =>
    tokenRequest(ts, s.instance, { grant_type: 'refresh_token', refresh_token: token, client_id: s.app.clientId, client_secret: s.app.clientSecret, ...extra });
  const refused = (res: { status: number; body: Record<string, unknown> }) => [res.status, res.body.error, res.body.error_description];
  const later = (seconds: number) => moveClock(ts, seconds);
  describe('authorization_code', () => {
    it('a success is one statement: the code consumed with the jti of its access token, and the refresh token stored from it', async () => {
      const { code, verifier } = await obtainCode(ts, setup, { scope: 'openid profile offline_access' });
      const warm = await obtainCode(ts, setup, { scope: 'openid profile offline_access' });
      expect((await exchangeCode(ts, setup.instance, setup.app, warm.code, { verifier: warm.verifier })).status).toBe(200); // caches the user, client and key
      const { result: res, sql, names } = await statementsSent(() => exchangeCode(ts, setup.instance, setup.app, code, { verifier }));
      expect(res.status).toBe(200);
      expect(sql).toHaveLength(1);
      expect(sql[0]).toMatch(/^WITH consumed AS \( UPDATE authorization_codes/);
      expect(names[0]).toMatch(/^authorization_code_redeem_/); // prepared once per connection

      const row = await codeRow(code);
      expect(row.consumed_at).toBeInstanceOf(Date);
      expect(row.issued_jti).toBe(decodeJwt(res.body.access_token).jti);
      const stored = await refreshRow(res.body.refresh_token);
      const fromCode = (await db.query('SELECT * FROM authorization_codes WHERE code_hash = $1', [sha256(code)]))[0];
      for (const column of ['instance_id', 'grant_id', 'application_uri', 'user_id', 'session_sid', 'scope', 'claims', 'auth_time', 'amr', 'idp', 'tid']) {
        expect([column, stored[column]]).toEqual([column, fromCode[column]]);
      }
      expect(stored).toMatchObject({ scope: 'openid profile offline_access', consumed_at: null, revoked_at: null, issued_jti: row.issued_jti });
      expect(Math.abs(stored.expires_at.getTime() - (Date.now() + 30 * 24 * 3600 * 1000))).toBeLessThan(60_000);
    });

    it('without offline_access, or for a Public application, no refresh token is stored', async () => {
      const { code, verifier } = await obtainCode(ts, setup, { scope: 'openid profile' });
      const res = await exchangeCode(ts, setup.instance, setup.app, code, { verifier });
      expect(res.status).toBe(200);
      expect(res.body.refresh_token).toBeUndefined();
      expect(await family((await codeRow(code)).grant_id)).toEqual([]);

      const app = await createPublicApplication(ts, setup.instance);
      const forPublic = await obtainCode(ts, { instance: setup.instance, app }, { scope: 'openid offline_access' });
      const publicRes = await exchangeCode(ts, setup.instance, app, forPublic.code, { verifier: forPublic.verifier, secret: null });
      expect(publicRes.status).toBe(200);
      expect(publicRes.body.refresh_token).toBeUndefined();
      expect(await family((await codeRow(forPublic.code)).grant_id)).toEqual([]);
    });

    it('each refusal before consumption has its own description and leaves the code unused', async () => {
      const other = await createApplication(ts, setup.instance, { ImpersonateAsInternalUserAllowed: true, ImpersonateLoginUrl: CALLBACK });
      const { code, verifier } = await obtainCode(ts, setup, { scope: 'openid offline_access' });
      const cases: [Parameters<typeof exchangeCode>[4], typeof setup.app, unknown[]][] = [
        [{ verifier }, other, [400, 'invalid_grant', 'invalid authorization code']],
        [{ verifier, redirectUri: CALLBACK + '/x' }, setup.app, [400, 'invalid_grant', 'redirect_uri does not match the authorization request']],
        [{}, setup.app, [400, 'invalid_grant', 'code_verifier is required']],
        [{ verifier: 'short' }, setup.app, [400, 'invalid_grant', 'code_verifier must be 43-128 characters of [A-Za-z0-9-._~]']],
        [{ verifier: pkce().verifier }, setup.app, [400, 'invalid_grant', 'code_verifier does not match the code_challenge']],
      ];
      for (const [options, app, expected] of cases) {
        expect(refused(await exchangeCode(ts, setup.instance, app, code, options))).toEqual(expected);
        expect(await codeRow(code)).toMatchObject({ consumed_at: null, issued_jti: null });
      }
      expect(await family((await codeRow(code)).grant_id)).toEqual([]);
      expect((await exchangeCode(ts, setup.instance, setup.app, code, { verifier })).status).toBe(200);
    });

    it('a code without a challenge: a verifier is refused (even a malformed one), none is accepted', async () => {
      const { code } = await obtainCode(ts, setup, { challenge: null });
      for (const verifier of [pkce().verifier, 'short']) {
        expect(refused(await exchangeCode(ts, setup.instance, setup.app, code, { verifier }))).toEqual([400, 'invalid_grant', 'code_verifier sent, but the authorization request had no code_challenge']);
      }
      expect((await codeRow(code)).consumed_at).toBeNull();
      expect((await exchangeCode(ts, setup.instance, setup.app, code)).status).toBe(200);
    });

    it('an unknown code, and a code of another instance, are invalid_grant', async () => {
      expect(refused(await exchangeCode(ts, setup.instance, setup.app, 'A'.repeat(43)))).toEqual([400, 'invalid_grant', 'invalid authorization code']);
    });

    it('an expired code is refused after the statement misses, and stays unused; expiry comes before the redirect_uri', async () => {
      const { code, verifier } = await obtainCode(ts, setup, { scope: 'openid offline_access' });
      later(600);
      expect(refused(await exchangeCode(ts, setup.instance, setup.app, code, { verifier }))).toEqual([400, 'invalid_grant', 'authorization code expired']);
      expect(refused(await exchangeCode(ts, setup.instance, setup.app, code, { verifier, redirectUri: CALLBACK + '/x' }))).toEqual([400, 'invalid_grant', 'authorization code expired']);
      expect(await codeRow(code)).toMatchObject({ consumed_at: null, issued_jti: null });
      expect(await family((await codeRow(code)).grant_id)).toEqual([]);
    });

    it('a replay (whatever else is wrong with it) revokes the refresh family and the first access token', async () => {
      const { code, verifier } = await obtainCode(ts, setup, { scope: 'openid offline_access' });
      const first = await exchangeCode(ts, setup.instance, setup.app, code, { verifier });
      expect(first.status).toBe(200);
      later(600);
      expect(refused(await exchangeCode(ts, setup.instance, setup.app, code, { redirectUri: CALLBACK + '/x' }))).toEqual([400, 'invalid_grant', 'authorization code already used']);
      jest.restoreAllMocks();
      const grantId = (await codeRow(code)).grant_id;
      expect((await family(grantId)).map((t) => t.revoked_at)).toEqual([expect.any(Date)]);
      const jti = decodeJwt(first.body.access_token).jti;
      expect(await db.query('SELECT jti FROM revoked_access_tokens WHERE jti = $1', [jti])).toEqual([{ jti }]);
      expect((await userinfo(ts, setup.instance, first.body.access_token)).status).toBe(401);
    });

    it('a replay after refreshes revokes every access token of the grant, not only the first', async () => {
      const { code, verifier } = await obtainCode(ts, setup, { scope: 'openid offline_access' });
      const first = await exchangeCode(ts, setup.instance, setup.app, code, { verifier });
      const second = await refresh(setup, first.body.refresh_token);
      const third = await refresh(setup, second.body.refresh_token);
      const accessTokens = [first, second, third].map((r) => r.body.access_token as string);
      for (const token of accessTokens) expect((await userinfo(ts, setup.instance, token)).status).toBe(200);

      expect(refused(await exchangeCode(ts, setup.instance, setup.app, code, { verifier }))).toEqual([400, 'invalid_grant', 'authorization code already used']);
      const jtis = accessTokens.map((t) => decodeJwt(t).jti as string);
      const revoked = await db.query('SELECT jti FROM revoked_access_tokens WHERE jti = ANY($1)', [jtis]);
      expect(revoked.map((r: { jti: string }) => r.jti).sort()).toEqual([...jtis].sort());
      for (const token of accessTokens) expect((await userinfo(ts, setup.instance, token)).status).toBe(401);
      expect(refused(await refresh(setup, third.body.refresh_token))).toEqual([400, 'invalid_grant', 'refresh token revoked']);
    });

    it('another client replaying a used code revokes nothing', async () => {
      const other = await createApplication(ts, setup.instance, { ImpersonateAsInternalUserAllowed: true, ImpersonateLoginUrl: CALLBACK });
      const { code, verifier } = await obtainCode(ts, setup, { scope: 'openid offline_access' });
      const first = await exchangeCode(ts, setup.instance, setup.app, code, { verifier });
      expect(refused(await exchangeCode(ts, setup.instance, other, code, { verifier }))).toEqual([400, 'invalid_grant', 'invalid authorization code']);
      expect((await family((await codeRow(code)).grant_id)).map((t) => t.revoked_at)).toEqual([null]);
      expect((await userinfo(ts, setup.instance, first.body.access_token)).status).toBe(200);
    });

    it('concurrent redemptions: one wins, and the others, as replays, revoke what it got', async () => {
      const { code, verifier } = await obtainCode(ts, setup, { scope: 'openid offline_access' });
      const results = await Promise.all([1, 2, 3, 4].map(() => exchangeCode(ts, setup.instance, setup.app, code, { verifier })));
      expect(results.map(refused).sort()).toEqual([
        [200, undefined, undefined],
        [400, 'invalid_grant', 'authorization code already used'],
        [400, 'invalid_grant', 'authorization code already used'],
        [400, 'invalid_grant', 'authorization code already used'],
      ]);
      const winner = results.find((r) => r.status === 200)!;
      expect((await codeRow(code)).issued_jti).toBe(decodeJwt(winner.body.access_token).jti);
      expect((await family((await codeRow(code)).grant_id)).map((t) => t.revoked_at)).toEqual([expect.any(Date)]);
    });

    it('a user who can no longer sign in: the code is used up, with no access token recorded and no refresh token left', async () => {
      const s = await setupInstance(ts);
      const { code, verifier } = await obtainCode(ts, s, { scope: 'openid offline_access' });
      await patchUser(ts, s.instance, 'john.doe', { Active: false }).expect(200);
      expect(refused(await exchangeCode(ts, s.instance, s.app, code, { verifier }))).toEqual([400, 'invalid_grant', 'the user can no longer sign in to this application']);
      const row = await codeRow(code);
      expect(row).toMatchObject({ consumed_at: expect.any(Date), issued_jti: null });
      expect(await family(row.grant_id)).toEqual([]);
      await patchUser(ts, s.instance, 'john.doe', { Active: true }).expect(200);
      expect(refused(await exchangeCode(ts, s.instance, s.app, code, { verifier }))).toEqual([400, 'invalid_grant', 'authorization code already used']);
    });

    it('when the tokens cannot be signed, the redemption is undone: the code is unused, no jti, no refresh token, and a retry succeeds', async () => {
      const { code, verifier } = await obtainCode(ts, setup, { scope: 'openid offline_access' });
      jest.spyOn(ts.server.app.get(TokenSigner), 'sign').mockRejectedValueOnce(new Error('signing failed'));
      const failed = await exchangeCode(ts, setup.instance, setup.app, code, { verifier });
      expect(failed.status).toBe(500);
      const row = await codeRow(code);
      expect(row).toMatchObject({ consumed_at: null, issued_jti: null });
      expect(await family(row.grant_id)).toEqual([]);
      const retried = await exchangeCode(ts, setup.instance, setup.app, code, { verifier });
      expect(retried.status).toBe(200);
      expect((await family(row.grant_id)).map((t) => t.token_hash)).toEqual([sha256(retried.body.refresh_token)]);
    });

    it('when the ID token (the second signature) cannot be signed, the same', async () => {
      const { code, verifier } = await obtainCode(ts, setup, { scope: 'openid offline_access' });
      const signer = ts.server.app.get(TokenSigner);
      const sign = signer.sign.bind(signer);
      jest.spyOn(signer, 'sign').mockImplementation((tenant, payload, typ) => (typ === 'JWT' ? Promise.reject(new Error('signing failed')) : sign(tenant, payload, typ)));
      expect((await exchangeCode(ts, setup.instance, setup.app, code, { verifier })).status).toBe(500);
      jest.restoreAllMocks();
      expect(await codeRow(code)).toMatchObject({ consumed_at: null, issued_jti: null });
      expect((await exchangeCode(ts, setup.instance, setup.app, code, { verifier })).status).toBe(200);
    });
  });

  describe('refresh_token', () => {
    async function refreshToken(s: Setup = setup, scope = 'openid profile offline_access') {
      const { code, verifier } = await obtainCode(ts, s, { scope });
      const res = await exchangeCode(ts, s.instance, s.app, code, { verifier });
      expect(res.status).toBe(200);
      return { token: res.body.refresh_token as string, grantId: (await codeRow(code)).grant_id as string };
    }

    it('a success is one statement: the old token consumed and its successor stored from it', async () => {
      const { token, grantId } = await refreshToken();
      const { result: res, sql, names } = await statementsSent(() => refresh(setup, token));
      expect(res.status).toBe(200);
      expect(sql).toHaveLength(1);
      expect(sql[0]).toMatch(/^WITH consumed AS \( UPDATE refresh_tokens/);
      expect(names[0]).toMatch(/^refresh_token_rotate_/);
      const old = await refreshRow(token);
      const successor = await refreshRow(res.body.refresh_token);
      expect(old).toMatchObject({ consumed_at: expect.any(Date), revoked_at: null });
      for (const column of ['instance_id', 'grant_id', 'application_uri', 'user_id', 'session_sid', 'scope', 'claims', 'auth_time', 'amr', 'idp', 'tid']) {
        expect([column, successor[column]]).toEqual([column, old[column]]);
      }
      expect(successor).toMatchObject({ grant_id: grantId, consumed_at: null, revoked_at: null, issued_jti: decodeJwt(res.body.access_token).jti });
      expect(successor.expires_at.getTime()).toBeGreaterThan(old.expires_at.getTime() - 1000);
    });

    it('a reused token revokes its family and every access token issued with it', async () => {
      const { code, verifier } = await obtainCode(ts, setup, { scope: 'openid offline_access' });
      const first = await exchangeCode(ts, setup.instance, setup.app, code, { verifier });
      const second = await refresh(setup, first.body.refresh_token);
      expect(second.status).toBe(200);
      expect((await userinfo(ts, setup.instance, second.body.access_token)).status).toBe(200);

      expect(refused(await refresh(setup, first.body.refresh_token))).toEqual([400, 'invalid_grant', 'refresh token already used; every token of this grant is now revoked']);
      for (const token of [first.body.access_token, second.body.access_token]) expect((await userinfo(ts, setup.instance, token)).status).toBe(401);
      expect(refused(await refresh(setup, second.body.refresh_token))).toEqual([400, 'invalid_grant', 'refresh token revoked']);
    });

    it('a narrower scope narrows the access token only; the successor keeps the whole grant', async () => {
      const { token } = await refreshToken();
      const res = await refresh(setup, token, { scope: 'openid' });
      expect(res.status).toBe(200);
      expect(res.body.scope).toBe('openid');
      expect((await refreshRow(res.body.refresh_token)).scope).toBe('openid profile offline_access');
    });

    it('a scope outside the grant: invalid_scope, and the token is still unused, so that the corrected request succeeds', async () => {
      const { token, grantId } = await refreshToken();
      expect(refused(await refresh(setup, token, { scope: 'openid email' }))).toEqual([400, 'invalid_scope', 'scope exceeds the original grant: email']);
      expect(await family(grantId)).toEqual([{ token_hash: sha256(token), consumed_at: null, revoked_at: null }]);
      const retried = await refresh(setup, token);
      expect(retried.status).toBe(200);
      expect(typeof retried.body.refresh_token).toBe('string');
    });

    it('an expired token: used up, no successor, the family not revoked', async () => {
      const { token, grantId } = await refreshToken();
      later(30 * 24 * 3600 + 1);
      expect(refused(await refresh(setup, token))).toEqual([400, 'invalid_grant', 'refresh token expired']);
      expect(await family(grantId)).toEqual([{ token_hash: sha256(token), consumed_at: expect.any(Date), revoked_at: null }]);
    });

    it('another client cannot burn it; an unknown token is invalid', async () => {
      const other = await createApplication(ts, setup.instance, { ImpersonateAsInternalUserAllowed: true, ImpersonateLoginUrl: CALLBACK });
      const { token, grantId } = await refreshToken();
      expect(refused(await refresh({ instance: setup.instance, app: other }, token))).toEqual([400, 'invalid_grant', 'invalid refresh token']);
      expect(refused(await refresh(setup, 'A'.repeat(43)))).toEqual([400, 'invalid_grant', 'invalid refresh token']);
      expect(await family(grantId)).toEqual([{ token_hash: sha256(token), consumed_at: null, revoked_at: null }]);
      expect((await refresh(setup, token)).status).toBe(200);
    });

    it('reuse revokes the family, successor included; a revoked token says so', async () => {
      const { token, grantId } = await refreshToken();
      const next = await refresh(setup, token);
      expect(refused(await refresh(setup, token))).toEqual([400, 'invalid_grant', 'refresh token already used; every token of this grant is now revoked']);
      expect((await family(grantId)).map((t) => t.revoked_at)).toEqual([expect.any(Date), expect.any(Date)]);
      expect(refused(await refresh(setup, next.body.refresh_token))).toEqual([400, 'invalid_grant', 'refresh token revoked']);
    });

    it('concurrent uses: one wins, and the others revoke the family', async () => {
      const { token, grantId } = await refreshToken();
      const results = await Promise.all([1, 2, 3].map(() => refresh(setup, token)));
      // A loser that comes after another loser's revocation finds the token revoked.
      const loser = [400, 'invalid_grant', expect.stringMatching(/^refresh token (already used; every token of this grant is now revoked|revoked)$/)];
      expect(results.map(refused).sort()).toEqual([[200, undefined, undefined], loser, loser]);
      expect((await family(grantId)).map((t) => t.revoked_at)).toEqual([expect.any(Date), expect.any(Date)]);
    });

    it('a user who can no longer sign in: the family is revoked and no successor is left', async () => {
      const s = await setupInstance(ts);
      const { token, grantId } = await refreshToken(s);
      await patchUser(ts, s.instance, 'john.doe', { Active: false }).expect(200);
      expect(refused(await refresh(s, token))).toEqual([400, 'invalid_grant', 'the user can no longer sign in to this application']);
      expect(await family(grantId)).toEqual([{ token_hash: sha256(token), consumed_at: expect.any(Date), revoked_at: expect.any(Date) }]);
    });

    it('when the tokens cannot be signed, the rotation is undone: the old token works, no successor is left', async () => {
      const { token, grantId } = await refreshToken();
      jest.spyOn(ts.server.app.get(TokenSigner), 'sign').mockRejectedValueOnce(new Error('signing failed'));
      expect((await refresh(setup, token)).status).toBe(500);
      expect(await family(grantId)).toEqual([{ token_hash: sha256(token), consumed_at: null, revoked_at: null }]);
      const retried = await refresh(setup, token);
      expect(retried.status).toBe(200);
      expect((await family(grantId)).map((t) => t.token_hash)).toEqual([sha256(token), sha256(retried.body.refresh_token)]);
    });
  });
});
