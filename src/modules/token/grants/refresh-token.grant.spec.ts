import type { Clock } from '../../../common/crypto/clock';
import { InvalidGrant, InvalidScope } from '../../../common/oauth/errors';
import type { Tenant } from '../../../common/tenant/tenant';
import type { Transactions } from '../../../database/transactions';
import type { RefreshToken, RefreshTokensRepository } from '../../tokens/refresh-tokens.repository';
import type { RevokedAccessTokensRepository } from '../../tokens/revoked-access-tokens.repository';
import type { TrustedApplicationEntity } from '../../trusted-applications/trusted-application.entity';
import type { UsersService } from '../../users/users.service';
import { RefreshTokenGrant } from './refresh-token.grant';
import type { UserGrantIssuer } from './user-grant-issuer';

const NOW = new Date('2026-01-01T00:00:00Z');
const tenant = { id: 'inst' } as Tenant;
const client = { applicationUri: 'app.example.com', clientType: 'Confidential', impersonateAsInternalUserAllowed: true } as TrustedApplicationEntity;
const user = { id: 'u1', active: true, userType: 'InternalUser' };
const row: RefreshToken = {
  grantId: 'g1', applicationUri: client.applicationUri, userId: 'u1', sessionSid: 's1', scope: 'openid profile offline_access', claims: null, authTime: NOW, amr: ['pwd'],
  idp: 'local', tid: null, expiresAt: new Date(NOW.getTime() + 60_000), consumedAt: null, revokedAt: null,
};
const successor = { token: 'successor', expiresAt: new Date(NOW.getTime() + 3600_000) };

/** The grant's control flow, with its collaborators mocked; the database side is in user-grants.spec.ts. */
describe(RefreshTokenGrant.name, () => {
  function setup() {
    const refreshTokens = { rotate: jest.fn(), find: jest.fn(), revokeFamily: jest.fn().mockResolvedValue(undefined), undoRotate: jest.fn().mockResolvedValue(undefined) };
    const users = { findById: jest.fn().mockResolvedValue(user) };
    const issuer = { newRefreshToken: jest.fn().mockReturnValue(successor), issue: jest.fn().mockResolvedValue({ access_token: 'at' }) };
    const revoked = { revokeGrant: jest.fn().mockResolvedValue(undefined) };
    const clock = { now: () => NOW } as Clock;
    const transactions = { run: jest.fn((work: () => Promise<unknown>) => work()) };
    const grant = new RefreshTokenGrant(
      refreshTokens as unknown as RefreshTokensRepository,
      revoked as unknown as RevokedAccessTokensRepository,
      users as unknown as UsersService,
      issuer as unknown as UserGrantIssuer,
      clock,
      transactions as unknown as Transactions,
    );
    const handle = (params: Record<string, string> = {}) => grant.handle({ tenant, client, params: { refresh_token: 'old', ...params } });
    return { refreshTokens, revoked, transactions, users, issuer, handle };
  }

  it('rotates in the one statement, with the requested scopes checked there; the access token gets the narrower scope', async () => {
    const { refreshTokens, issuer, handle } = setup();
    refreshTokens.rotate.mockResolvedValue({ row, successorStored: true });
    await expect(handle({ scope: 'openid openid' })).resolves.toEqual({ access_token: 'at' });
    const jti = expect.stringMatching(/^[0-9A-F]{32}$/);
    expect(refreshTokens.rotate).toHaveBeenCalledWith('inst', 'old', { applicationUri: client.applicationUri, now: NOW, requestedScopes: ['openid'], successor: { ...successor, jti } });
    expect(refreshTokens.find).not.toHaveBeenCalled();
    // The access token is signed with the jti stored beside its refresh token.
    expect(issuer.issue).toHaveBeenCalledWith(tenant, client, user, expect.objectContaining({ grantId: 'g1', scopes: ['openid'] }), { jti, refreshToken: 'successor' });
    expect(issuer.issue.mock.calls[0][4].jti).toBe(refreshTokens.rotate.mock.calls[0][2].successor.jti);
  });

  it('a successor that was not stored is not returned', async () => {
    const { refreshTokens, issuer, handle } = setup();
    refreshTokens.rotate.mockResolvedValue({ row, successorStored: false });
    await handle();
    expect(issuer.issue.mock.calls[0][4]).toEqual({ jti: expect.any(String), refreshToken: undefined });
  });

  it.each([
    ['unknown', null],
    ["another client's", { ...row, applicationUri: 'other' }],
  ])('a missed statement and an %s token: invalid_grant, nothing written', async (_name, found) => {
    const { refreshTokens, handle } = setup();
    refreshTokens.rotate.mockResolvedValue(null);
    refreshTokens.find.mockResolvedValue(found);
    await expect(handle()).rejects.toThrow(new InvalidGrant('invalid refresh token'));
    expect(refreshTokens.revokeFamily).not.toHaveBeenCalled();
  });

  it.each([
    ['used', { ...row, consumedAt: NOW }, 'refresh token already used; every token of this grant is now revoked'],
    ['revoked', { ...row, consumedAt: NOW, revokedAt: NOW }, 'refresh token revoked'],
  ])('a missed statement and a %s token: the family and its access tokens are revoked, in one transaction', async (_name, found, description) => {
    const { refreshTokens, revoked, transactions, handle } = setup();
    refreshTokens.rotate.mockResolvedValue(null);
    refreshTokens.find.mockResolvedValue(found);
    await expect(handle()).rejects.toThrow(new InvalidGrant(description));
    expect(transactions.run).toHaveBeenCalledTimes(1);
    expect(refreshTokens.revokeFamily).toHaveBeenCalledWith('inst', 'g1');
    expect(revoked.revokeGrant).toHaveBeenCalledWith('inst', 'g1', new Date(NOW.getTime() + 24 * 3600 * 1000));
  });

  it('a missed statement and a token that looks usable (given back by a failed rotation meanwhile): tried once more, not forever', async () => {
    const first = setup();
    first.refreshTokens.rotate.mockResolvedValueOnce(null).mockResolvedValueOnce({ row, successorStored: true });
    first.refreshTokens.find.mockResolvedValue(row);
    await expect(first.handle()).resolves.toEqual({ access_token: 'at' });
    expect(first.refreshTokens.rotate).toHaveBeenCalledTimes(2);

    const second = setup();
    second.refreshTokens.rotate.mockResolvedValue(null);
    second.refreshTokens.find.mockResolvedValue(row);
    await expect(second.handle()).rejects.toThrow(new InvalidGrant('invalid refresh token'));
    expect(second.refreshTokens.rotate).toHaveBeenCalledTimes(2);
  });

  it('expired: refused after consumption, nothing else written', async () => {
    const { refreshTokens, users, handle } = setup();
    refreshTokens.rotate.mockResolvedValue({ row: { ...row, expiresAt: NOW }, successorStored: false });
    await expect(handle()).rejects.toThrow(new InvalidGrant('refresh token expired'));
    expect(users.findById).not.toHaveBeenCalled();
    expect(refreshTokens.revokeFamily).not.toHaveBeenCalled();
    expect(refreshTokens.undoRotate).not.toHaveBeenCalled();
  });

  it('a user who can no longer sign in: the family is revoked, and the stored successor dropped', async () => {
    const { refreshTokens, users, handle } = setup();
    refreshTokens.rotate.mockResolvedValue({ row, successorStored: true });
    users.findById.mockResolvedValue({ ...user, active: false });
    await expect(handle()).rejects.toThrow(new InvalidGrant('the user can no longer sign in to this application'));
    expect(refreshTokens.revokeFamily).toHaveBeenCalledWith('inst', 'g1', 'successor');
  });

  it('a user who can no longer sign in and no successor stored (a scope outside the grant): the family is revoked', async () => {
    const { refreshTokens, users, handle } = setup();
    refreshTokens.rotate.mockResolvedValue({ row, successorStored: false });
    users.findById.mockResolvedValue(null);
    await expect(handle({ scope: 'email' })).rejects.toThrow(new InvalidGrant('the user can no longer sign in to this application'));
    expect(refreshTokens.revokeFamily).toHaveBeenCalledWith('inst', 'g1', undefined);
  });

  it('a scope outside the grant: invalid_scope, and the rotation undone (the request was wrong, not the token)', async () => {
    const { refreshTokens, handle } = setup();
    refreshTokens.rotate.mockResolvedValue({ row, successorStored: false });
    await expect(handle({ scope: 'openid email' })).rejects.toThrow(new InvalidScope('scope exceeds the original grant: email'));
    expect(refreshTokens.undoRotate).toHaveBeenCalledWith('inst', 'old', undefined);
  });

  it('a failure after the rotation undoes it, and the failure is what the client gets (even if the undoing fails too)', async () => {
    const { refreshTokens, issuer, handle } = setup();
    refreshTokens.rotate.mockResolvedValue({ row, successorStored: true });
    issuer.issue.mockRejectedValue(new Error('signing failed'));
    refreshTokens.undoRotate.mockRejectedValue(new Error('connection lost'));
    await expect(handle()).rejects.toThrow('signing failed');
    expect(refreshTokens.undoRotate).toHaveBeenCalledWith('inst', 'old', 'successor');
  });
});
