import type { Clock } from '../../../common/crypto/clock';
import type { Tenant } from '../../../common/tenant/tenant';
import type { UserTokensService } from '../../tokens/user-tokens.service';
import type { TrustedApplicationEntity } from '../../trusted-applications/trusted-application.entity';
import type { UserEntity } from '../../users/user.entity';
import { UserGrantIssuer } from './user-grant-issuer';

describe(UserGrantIssuer.name, () => {
  const NOW = new Date('2026-01-01T00:00:00Z');
  const tenant = { id: 'inst', settings: { RefreshTokenLifetime: 3600 } } as Tenant;
  const user = { id: 'u1' } as UserEntity;
  const grant = { grantId: 'g1', scopes: ['openid', 'offline_access'], sid: 's', authTime: NOW, amr: ['pwd'], idp: 'local' };
  const tokens = {
    accessToken: jest.fn().mockResolvedValue({ token: 'at', jti: 'JTI', expiresIn: 300 }),
    idToken: jest.fn().mockResolvedValue('idt'),
  };
  const issuer = new UserGrantIssuer(tokens as unknown as UserTokensService, { now: () => NOW } as Clock);

  it('a new refresh token only for a Confidential application: 256 bits, expiring after RefreshTokenLifetime', () => {
    expect(issuer.newRefreshToken(tenant, { clientType: 'Public' } as TrustedApplicationEntity)).toBeUndefined();
    const token = issuer.newRefreshToken(tenant, { clientType: 'Confidential' } as TrustedApplicationEntity)!;
    expect(token.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(token.expiresAt).toEqual(new Date(NOW.getTime() + 3600_000));
  });

  it('signs the access token with the recorded jti; the response has its members in the usual order', async () => {
    const client = { clientType: 'Confidential', scope: 'read' } as TrustedApplicationEntity;
    const response = await issuer.issue(tenant, client, user, grant, { nonce: 'n', jti: 'JTI', refreshToken: 'rt' });
    expect(tokens.accessToken).toHaveBeenCalledWith(tenant, client, user, grant, { jti: 'JTI' });
    expect(tokens.idToken).toHaveBeenCalledWith(tenant, client, user, grant, { nonce: 'n', accessToken: 'at' });
    expect(JSON.stringify(response)).toBe(JSON.stringify({ access_token: 'at', token_type: 'Bearer', expires_in: 300, scope: 'openid offline_access', id_token: 'idt', refresh_token: 'rt' }));
    expect(await issuer.issue(tenant, client, user, { ...grant, scopes: ['read'] }, {})).toEqual({ access_token: 'at', token_type: 'Bearer', expires_in: 300, scope: 'read' });
  });

  it("leaves out a scope the application is no longer allowed (its Scope shrank since the grant)", async () => {
    const client = { clientType: 'Confidential', scope: 'read' } as TrustedApplicationEntity;
    const response = await issuer.issue(tenant, client, user, { ...grant, scopes: ['openid', 'read', 'update'] }, {});
    expect(response.scope).toBe('openid read');
    expect(tokens.accessToken).toHaveBeenLastCalledWith(tenant, client, user, { ...grant, scopes: ['openid', 'read'] }, { jti: undefined });
  });
});
