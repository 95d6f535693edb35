import type { JWTPayload } from 'jose';
import { Clock } from '../../common/crypto/clock';
import type { Tenant } from '../../common/tenant/tenant';
import type { TokenSigner } from '../keys/token-signer.service';
import type { TrustedApplicationEntity } from '../trusted-applications/trusted-application.entity';
import type { UserEntity } from '../users/user.entity';
import { newAccessTokenId, UserTokensService } from './user-tokens.service';

describe(UserTokensService.name, () => {
  const tenant = { id: 'inst', type: 'Instance', issuer: 'https://acme.example/id', database: 'E1', settings: { AccessTokenLifetime: 300 } } as unknown as Tenant;
  const client = { applicationUri: 'app.example.com' } as TrustedApplicationEntity;
  const user = { id: 'u1', login: 'bob', name: 'Bob', userType: 'InternalUser', isAdmin: false } as UserEntity;
  const grant = { scopes: ['openid'], sid: 's', authTime: new Date('2026-01-01T00:00:00Z'), amr: ['pwd'], idp: 'local' };

  function service() {
    const payloads: JWTPayload[] = [];
    const signer = { sign: jest.fn(async (_t: Tenant, payload: JWTPayload) => (payloads.push(payload), 'signed')) };
    return { sut: new UserTokensService(signer as unknown as TokenSigner, new Clock()), payloads };
  }

  it('an access token carries a new 128-bit jti, or the one the caller recorded, in the same place of the payload', async () => {
    const { sut, payloads } = service();
    const own = await sut.accessToken(tenant, client, user, grant);
    expect(own.jti).toMatch(/^[0-9A-F]{32}$/);
    const jti = newAccessTokenId();
    expect(jti).toMatch(/^[0-9A-F]{32}$/);
    expect(jti).not.toBe(newAccessTokenId());
    const given = await sut.accessToken(tenant, client, user, grant, { jti });
    expect(given.jti).toBe(jti);
    expect(payloads[0].jti).toBe(own.jti);
    expect(payloads[1].jti).toBe(jti);
    expect(Object.keys(payloads[1])).toEqual(Object.keys(payloads[0]));
  });
});
