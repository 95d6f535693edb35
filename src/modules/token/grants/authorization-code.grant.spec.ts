import { s256 } from '@app/oauth-core';
import type { Clock } from '../../../common/crypto/clock';
import { InvalidGrant } from '../../../common/oauth/errors';
import type { Tenant } from '../../../common/tenant/tenant';
import type { Transactions } from '../../../database/transactions';
import type { AuthorizationCode, AuthorizationCodesRepository } from '../../tokens/authorization-codes.repository';
import type { RefreshTokensRepository } from '../../tokens/refresh-tokens.repository';
import type { RevokedAccessTokensRepository } from '../../tokens/revoked-access-tokens.repository';
import type { TrustedApplicationEntity } from '../../trusted-applications/trusted-application.entity';
import type { UsersService } from '../../users/users.service';
import { AuthorizationCodeGrant } from './authorization-code.grant';
import type { UserGrantIssuer } from './user-grant-issuer';

const NOW = new Date('2026-01-01T00:00:00Z');
const VERIFIER = 'v'.repeat(43);
const tenant = { id: 'inst' } as Tenant;
const client = { applicationUri: 'app.example.com', clientType: 'Confidential', impersonateAsInternalUserAllowed: true } as TrustedApplicationEntity;
const user = { id: 'u1', active: true, userType: 'InternalUser' };
const row: AuthorizationCode = {
  grantId: 'g1', applicationUri: client.applicationUri, userId: 'u1', sessionSid: 's1', redirectUri: 'https://app/cb', scope: 'openid offline_access', nonce: 'n',
  codeChallenge: s256(VERIFIER), claims: null, authTime: NOW, amr: ['pwd'], idp: 'local', tid: null, expiresAt: new Date(NOW.getTime() + 60_000), consumedAt: null, issuedJti: null,
  frontChannelJti: null,
};
const params = { code: 'the-code', redirect_uri: row.redirectUri, code_verifier: VERIFIER };
const newRefreshToken = { token: 'new-refresh-token', expiresAt: new Date(NOW.getTime() + 3600_000) };

/** The grant's control flow, with its collaborators mocked; the database side is in user-grants.spec.ts. */
describe(AuthorizationCodeGrant.name, () => {
  function setup() {
    const codes = { redeem: jest.fn(), find: jest.fn(), withdrawIssued: jest.fn().mockResolvedValue(undefined), undoRedeem: jest.fn().mockResolvedValue(undefined) };
    const refreshTokens = { revokeFamily: jest.fn().mockResolvedValue(undefined) };
    const revoked = { revoke: jest.fn().mockResolvedValue(undefined), revokeGrant: jest.fn().mockResolvedValue(undefined) };
    const users = { findById: jest.fn().mockResolvedValue(user) };
    const issuer = { newRefreshToken: jest.fn().mockReturnValue(newRefreshToken), issue: jest.fn().mockResolvedValue({ access_token: 'at' }) };
    const clock = { now: () => NOW } as Clock;
    const transactions = { run: jest.fn((work: () => Promise<unknown>) => work()) };
    const grant = new AuthorizationCodeGrant(
      codes as unknown as AuthorizationCodesRepository,
      refreshTokens as unknown as RefreshTokensRepository,
      revoked as unknown as RevokedAccessTokensRepository,
      users as unknown as UsersService,
      issuer as unknown as UserGrantIssuer,
      clock,
      transactions as unknown as Transactions,
    );
    const handle = (p: Record<string, string> = params) => grant.handle({ tenant, client, params: p });
    return { codes, refreshTokens, revoked, users, issuer, transactions, handle };
  }

  it('redeems with every check in the one statement, and signs the access token with the jti it recorded', async () => {
    const { codes, issuer, handle } = setup();
    codes.redeem.mockResolvedValue({ row: { ...row, consumedAt: NOW }, refreshTokenStored: true });
    await expect(handle()).resolves.toEqual({ access_token: 'at' });
    expect(codes.redeem).toHaveBeenCalledTimes(1);
    const [instanceId, code, expected] = codes.redeem.mock.calls[0];
    expect([instanceId, code]).toEqual(['inst', 'the-code']);
    expect(expected).toEqual({ applicationUri: client.applicationUri, redirectUri: row.redirectUri, codeChallenge: s256(VERIFIER), now: NOW, jti: expect.stringMatching(/^[0-9A-F]{32}$/), refreshToken: newRefreshToken });
    expect(codes.find).not.toHaveBeenCalled();
    expect(issuer.issue).toHaveBeenCalledWith(tenant, client, user, expect.objectContaining({ grantId: 'g1', scopes: ['openid', 'offline_access'] }), { nonce: 'n', jti: expected.jti, refreshToken: newRefreshToken.token });
  });

  it('without a verifier, the statement asks for a code without a challenge; a refresh token not stored is not returned', async () => {
    const { codes, issuer, handle } = setup();
    codes.redeem.mockResolvedValue({ row: { ...row, codeChallenge: null }, refreshTokenStored: false });
    await handle({ code: 'the-code', redirect_uri: row.redirectUri });
    expect(codes.redeem.mock.calls[0][2].codeChallenge).toBeNull();
    expect(issuer.issue.mock.calls[0][4].refreshToken).toBeUndefined();
  });

  it('a malformed verifier skips the statement: the lookup says what is wrong', async () => {
    const { codes, handle } = setup();
    codes.find.mockResolvedValue(row);
    await expect(handle({ ...params, code_verifier: 'short' })).rejects.toThrow(new InvalidGrant('code_verifier must be 43-128 characters of [A-Za-z0-9-._~]'));
    expect(codes.redeem).not.toHaveBeenCalled();
  });

  it.each([
    ['unknown', null, 'invalid authorization code'],
    ["another client's", { ...row, applicationUri: 'other' }, 'invalid authorization code'],
    ['expired', { ...row, expiresAt: NOW }, 'authorization code expired'],
    ['for another redirect_uri', { ...row, redirectUri: 'https://app/other' }, 'redirect_uri does not match the authorization request'],
    ['with another challenge', { ...row, codeChallenge: s256('w'.repeat(43)) }, 'code_verifier does not match the code_challenge'],
  ])('a missed statement and an %s code: invalid_grant, nothing written', async (_name, found, description) => {
    const { codes, refreshTokens, revoked, handle } = setup();
    codes.redeem.mockResolvedValue(null);
    codes.find.mockResolvedValue(found);
    await expect(handle()).rejects.toThrow(new InvalidGrant(description));
    expect(codes.redeem).toHaveBeenCalledTimes(1);
    expect(refreshTokens.revokeFamily).not.toHaveBeenCalled();
    expect(revoked.revoke).not.toHaveBeenCalled();
  });

  it('a missed statement and a used code: a replay, which revokes the family and every access token of the grant in one transaction', async () => {
    const { codes, refreshTokens, revoked, transactions, handle } = setup();
    codes.redeem.mockResolvedValue(null);
    codes.find.mockResolvedValue({ ...row, consumedAt: NOW, issuedJti: 'JTI', frontChannelJti: 'FRONT' });
    await expect(handle()).rejects.toThrow(new InvalidGrant('authorization code already used'));
    expect(transactions.run).toHaveBeenCalledTimes(1);
    expect(refreshTokens.revokeFamily).toHaveBeenCalledWith('inst', 'g1');
    expect(revoked.revoke).toHaveBeenCalledWith('inst', 'JTI', new Date(NOW.getTime() + 24 * 3600 * 1000));
    expect(revoked.revoke).toHaveBeenCalledWith('inst', 'FRONT', new Date(NOW.getTime() + 24 * 3600 * 1000));
    expect(revoked.revokeGrant).toHaveBeenCalledWith('inst', 'g1', new Date(NOW.getTime() + 24 * 3600 * 1000));
  });

  it('a missed statement and a code that looks redeemable (given back by a failed redemption meanwhile): tried once more', async () => {
    const { codes, issuer, handle } = setup();
    codes.redeem.mockResolvedValueOnce(null).mockResolvedValueOnce({ row, refreshTokenStored: true });
    codes.find.mockResolvedValue(row);
    await expect(handle()).resolves.toEqual({ access_token: 'at' });
    expect(codes.redeem).toHaveBeenCalledTimes(2);
    expect(codes.redeem.mock.calls[1][2].jti).toBe(codes.redeem.mock.calls[0][2].jti);
    expect(issuer.issue).toHaveBeenCalledTimes(1);
  });

  it('…but not forever', async () => {
    const { codes, issuer, handle } = setup();
    codes.redeem.mockResolvedValue(null);
    codes.find.mockResolvedValue(row);
    await expect(handle()).rejects.toThrow(new InvalidGrant('invalid authorization code'));
    expect(codes.redeem).toHaveBeenCalledTimes(2);
    expect(issuer.issue).not.toHaveBeenCalled();
  });

  it('a user who can no longer sign in: the code stays used, its jti and refresh token are withdrawn', async () => {
    const { codes, users, issuer, handle } = setup();
    codes.redeem.mockResolvedValue({ row, refreshTokenStored: true });
    users.findById.mockResolvedValue({ ...user, active: false });
    await expect(handle()).rejects.toThrow(new InvalidGrant('the user can no longer sign in to this application'));
    const jti = codes.redeem.mock.calls[0][2].jti;
    expect(codes.withdrawIssued).toHaveBeenCalledWith('inst', 'the-code', jti, newRefreshToken.token);
    expect(codes.undoRedeem).not.toHaveBeenCalled();
    expect(issuer.issue).not.toHaveBeenCalled();
  });

  it('a failure after the redemption undoes it, and the failure is what the client gets (even if the undoing fails too)', async () => {
    const { codes, issuer, handle } = setup();
    codes.redeem.mockResolvedValue({ row, refreshTokenStored: false });
    issuer.issue.mockRejectedValue(new Error('signing failed'));
    codes.undoRedeem.mockRejectedValue(new Error('connection lost'));
    await expect(handle()).rejects.toThrow('signing failed');
    expect(codes.undoRedeem).toHaveBeenCalledWith('inst', 'the-code', codes.redeem.mock.calls[0][2].jti, undefined);
  });

  it('a database failure while withdrawing undoes the redemption', async () => {
    const { codes, users, handle } = setup();
    codes.redeem.mockResolvedValue({ row, refreshTokenStored: true });
    users.findById.mockResolvedValue(null);
    codes.withdrawIssued.mockRejectedValue(new Error('connection lost'));
    await expect(handle()).rejects.toThrow('connection lost');
    expect(codes.undoRedeem).toHaveBeenCalledWith('inst', 'the-code', codes.redeem.mock.calls[0][2].jti, newRefreshToken.token);
  });
});
