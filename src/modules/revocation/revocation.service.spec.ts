// Entities first, in their safe order: instance.entity and instance-host.entity import each other.
import '../../database/entities';
import { InvalidRequest } from '../../common/oauth/errors';
import type { Tenant } from '../../common/tenant/tenant';
import type { AuditEvent, AuditService } from '../audit/audit.service';
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
      return knows ? { kind: 'refresh_token' as const, id: `${name}-id`, userId: 'u1', revoked: name === 'refresh' } : undefined;
    }),
  };
}

describe(RevocationService.name, () => {
  const clients = { authenticate: jest.fn(async () => ({ client, method: 'client_secret_post' })) } as unknown as ClientAuthenticator;
  const recorded: AuditEvent[] = [];
  const audit = { record: jest.fn(async (e: AuditEvent) => void recorded.push(e)) } as unknown as AuditService;
  beforeEach(() => (recorded.length = 0));

  it.each([
    ['no hint: registration order, until one knows the token', undefined, [false, true], ['reference', 'refresh']],
    ['a matching hint goes first', 'refresh_token', [true, true], ['refresh']],
    ['a hint that was wrong: the others are still asked', 'refresh_token', [true, false], ['refresh', 'reference']],
    ['an unknown hint: all, in order', 'something', [false, false], ['reference', 'refresh']],
  ] as const)('%s', async (_name, hint, [referenceKnows, refreshKnows], expected) => {
    const calls: string[] = [];
    const sut = new RevocationService([store('reference', ['reference_token', 'access_token'], referenceKnows, calls), store('refresh', ['refresh_token'], refreshKnows, calls)], clients, audit);
    await sut.revoke(tenant, { token: 't', ...(hint ? { token_type_hint: hint } : {}) }, undefined);
    expect(calls).toEqual(expected);
  });

  it('audits what the store that knew the token did: revoked, or refused as another application\'s; nothing for an unknown token', async () => {
    const calls: string[] = [];
    const sut = (reference: boolean, refresh: boolean) => new RevocationService([store('reference', [], reference, calls), store('refresh', [], refresh, calls)], clients, audit);
    await sut(false, true).revoke(tenant, { token: 't' }, undefined);
    await sut(true, false).revoke(tenant, { token: 't' }, undefined);
    await sut(false, false).revoke(tenant, { token: 't' }, undefined);
    expect(recorded).toEqual([
      expect.objectContaining({ actor: 'app', action: 'token.revoked', target: 'refresh-id', details: { kind: 'refresh_token', userId: 'u1' } }),
      expect.objectContaining({ actor: 'app', action: 'token.revoked.refused', target: 'reference-id', details: { kind: 'refresh_token', userId: 'u1', reason: 'another_application' } }),
    ]);
    expect(JSON.stringify(recorded)).not.toContain('"t"');
  });

  it('invalid_request without a token or with a repeated parameter', async () => {
    const sut = new RevocationService([], clients, audit);
    await expect(sut.revoke(tenant, {}, undefined)).rejects.toThrow(InvalidRequest);
    await expect(sut.revoke(tenant, { token: ['a', 'b'] }, undefined)).rejects.toThrow(InvalidRequest);
  });
});
