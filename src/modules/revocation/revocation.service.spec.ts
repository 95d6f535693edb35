// Entities first, in their safe order: instance.entity and instance-host.entity import each other.
import '../../database/entities';
import { InvalidRequest } from '../../common/oauth/errors';
import type { Tenant } from '../../common/tenant/tenant';
import type { ClientAuthenticator } from '../token/client-auth';
import type { TrustedApplicationEntity } from '../trusted-applications/trusted-application.entity';
import type { RevocableTokenStore } from './revocable-token-store';
import { RevocationService } from './revocation.service';

const tenant = { id: 'i1' } as Tenant;
const client = { id: 'a1', applicationUri: 'app' } as TrustedApplicationEntity;

function store(name: string, hints: string[], knows: boolean, calls: string[]): RevocableTokenStore {
  return {
    tokenTypeHints: hints,
    revoke: jest.fn(async () => {
      calls.push(name);
      return knows;
    }),
  };
}

describe(RevocationService.name, () => {
  const clients = { authenticate: jest.fn(async () => ({ client, method: 'client_secret_post' })) } as unknown as ClientAuthenticator;

  it.each([
    ['no hint: registration order, until one knows the token', undefined, [false, true], ['reference', 'refresh']],
    ['a matching hint goes first', 'refresh_token', [true, true], ['refresh']],
    ['a hint that was wrong: the others are still asked', 'refresh_token', [true, false], ['refresh', 'reference']],
    ['an unknown hint: all, in order', 'something', [false, false], ['reference', 'refresh']],
  ] as const)('%s', async (_name, hint, [referenceKnows, refreshKnows], expected) => {
    const calls: string[] = [];
    const sut = new RevocationService([store('reference', ['reference_token', 'access_token'], referenceKnows, calls), store('refresh', ['refresh_token'], refreshKnows, calls)], clients);
    await sut.revoke(tenant, { token: 't', ...(hint ? { token_type_hint: hint } : {}) }, undefined);
    expect(calls).toEqual(expected);
  });

  it('invalid_request without a token or with a repeated parameter', async () => {
    const sut = new RevocationService([], clients);
    await expect(sut.revoke(tenant, {}, undefined)).rejects.toThrow(InvalidRequest);
    await expect(sut.revoke(tenant, { token: ['a', 'b'] }, undefined)).rejects.toThrow(InvalidRequest);
  });
});
