// Entities first, in their safe order: instance.entity and instance-host.entity import each other.
import '../../database/entities';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import { Clock } from '../../common/crypto/clock';
import { InvalidToken } from '../../common/oauth/errors';
import type { Tenant } from '../../common/tenant/tenant';
import type { KeysService } from '../keys/keys.service';
import { AccessTokenVerifier } from './access-token-verifier';

const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
const ours = rsa();
const theirs = rsa();
const tenant = { id: 'i1', issuer: 'http://a.test/id' } as Tenant;
const keys = { publicKey: async (instanceId: string, kid: string) => (instanceId === 'i1' && kid === 'K1' ? ours.publicKey : undefined) } as unknown as KeysService;
const now = Math.floor(Date.now() / 1000);
const claims: JWTPayload = { iss: tenant.issuer, aud: ['DomainAPI', `${tenant.issuer}/resources`], iat: now, nbf: now, exp: now + 3600, jti: 'J', client_id: 'app' };

const sign = (payload: JWTPayload = claims, header: Record<string, unknown> = {}, key: KeyObject | Uint8Array = ours.privateKey) =>
  new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: 'K1', typ: 'at+jwt', ...header }).sign(key);

describe(AccessTokenVerifier.name, () => {
  const sut = new AccessTokenVerifier(keys, new Clock());

  it('returns the payload of a valid token', async () => {
    await expect(sut.verify(tenant, await sign())).resolves.toMatchObject({ client_id: 'app', jti: 'J' });
  });

  it('tolerates a few seconds of clock skew', async () => {
    await expect(sut.verify(tenant, await sign({ ...claims, nbf: now + 3 }))).resolves.toBeDefined();
  });

  it.each([
    ['another key', () => sign(claims, {}, theirs.privateKey)],
    ['an unknown kid', () => sign(claims, { kid: 'K2' })],
    ['no kid', () => sign(claims, { kid: undefined })],
    ['typ JWT', () => sign(claims, { typ: 'JWT' })],
    ['HS256 keyed with the public key', () => sign(claims, { alg: 'HS256' }, new TextEncoder().encode(ours.publicKey.export({ type: 'spki', format: 'pem' }) as string))],
    ['alg none', async () => `${Buffer.from(JSON.stringify({ alg: 'none', kid: 'K1', typ: 'at+jwt' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`],
    ['expired', () => sign({ ...claims, exp: now - 60 })],
    ['not yet valid', () => sign({ ...claims, nbf: now + 60 })],
    ['issued in the future', () => sign({ ...claims, iat: now + 60 })],
    ['a wrong iss', () => sign({ ...claims, iss: 'http://b.test/id' })],
    ['no resources audience', () => sign({ ...claims, aud: ['DomainAPI'] })],
    ['no client_id', () => sign({ ...claims, client_id: undefined })],
    ['garbage', async () => 'not.a.jwt'],
  ])('InvalidToken for %s', async (_name, make) => {
    const error = await sut.verify(tenant, await make()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidToken);
    expect((error as InvalidToken).cause).toBeDefined();
  });

  it('a token of another instance: its keys are never consulted', async () => {
    await expect(sut.verify({ ...tenant, id: 'i2' }, await sign())).rejects.toThrow(InvalidToken);
  });
});
