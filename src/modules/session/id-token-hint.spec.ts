import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Tenant } from '../../common/tenant/tenant';
import type { KeysService } from '../keys/keys.service';
import { IdTokenHintVerifier } from './id-token-hint';

// The real KeysService drags in the TypeORM entities; this spec only needs publicKey().
jest.mock('../keys/keys.service', () => ({ KeysService: class KeysService {} }));

const ISS = 'https://testdb.example.com/id';
const tenant = { id: 'i1', issuer: ISS } as Tenant;
const ours = generateKeyPairSync('rsa', { modulusLength: 2048 });
const theirs = generateKeyPairSync('rsa', { modulusLength: 2048 });
const keys = { publicKey: async (instanceId: string, kid: string) => (instanceId === 'i1' && kid === 'k1' ? ours.publicKey : undefined) } as unknown as KeysService;

const base = { iss: ISS, sub: 'john.doe', aud: 'app.example.com', sid: 'S1', iat: 1, exp: 2 /* long expired */ };
function sign(claims: Record<string, unknown>, header: Record<string, unknown> = {}, key: KeyObject = ours.privateKey): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'JWT', ...header }).sign(key);
}

describe(IdTokenHintVerifier.name, () => {
  const sut = new IdTokenHintVerifier(keys);

  it('accepts an expired ID token of this instance and names its client, subject and session', async () => {
    expect(await sut.verify(tenant, await sign(base))).toEqual({ clientId: 'app.example.com', audience: ['app.example.com'], sub: 'john.doe', sid: 'S1' });
  });

  it.each<[string, Record<string, unknown>]>([
    ['a single-element audience array', { aud: ['app.example.com'] }],
    ['several audiences with azp', { aud: ['app.example.com', 'api'], azp: 'app.example.com' }],
  ])('accepts %s', async (_, claims) => {
    expect(await sut.verify(tenant, await sign({ ...base, ...claims }))).toMatchObject({ clientId: 'app.example.com', audience: [claims.aud].flat() });
  });

  it.each<[string, () => Promise<string>]>([
    ['another issuer', () => sign({ ...base, iss: 'https://other.example.com/id' })],
    ['a key of another instance (unknown kid)', () => sign(base, { kid: 'k2' }, theirs.privateKey)],
    ['our kid but another key', () => sign(base, {}, theirs.privateKey)],
    ['a logout token or access token (typ)', () => sign(base, { typ: 'at+jwt' })],
    ['no subject', () => sign({ ...base, sub: undefined })],
    ['several audiences without azp', () => sign({ ...base, aud: ['app.example.com', 'api'] })],
    ['azp that is not an audience', () => sign({ ...base, aud: ['app.example.com', 'api'], azp: 'evil' })],
    ['azp other than the single audience', () => sign({ ...base, azp: 'evil' })],
    ['alg none', async () => `${Buffer.from('{"alg":"none","kid":"k1"}').toString('base64url')}.${Buffer.from(JSON.stringify(base)).toString('base64url')}.`],
    ['not yet valid (nbf in the future)', () => sign({ ...base, nbf: Math.floor(Date.now() / 1000) + 3600 })],
    ['issued in the future (iat)', () => sign({ ...base, iat: Math.floor(Date.now() / 1000) + 3600 })],
    ['HS256 keyed with our public key', () => new SignJWT(base).setProtectedHeader({ alg: 'HS256', kid: 'k1', typ: 'JWT' }).sign(new TextEncoder().encode(ours.publicKey.export({ type: 'spki', format: 'pem' }) as string))],
    ['garbage', async () => 'not-a-jwt'],
  ])('rejects %s', async (_, token) => {
    expect(await sut.verify(tenant, await token())).toBeNull();
  });
});
