import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, jwtVerify, decodeProtectedHeader } from 'jose';
import type { Tenant } from '../../common/tenant/tenant';
import type { KeysService, SigningKey } from './keys.service';
import { TokenSigner } from './token-signer.service';

describe(TokenSigner.name, () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key: SigningKey = { kid: '0123456789ABCDEF0123456789ABCDEF', privateKey, encodedHeaders: new Map() };
  const keys = { signingKey: jest.fn(async () => key) } as unknown as KeysService;
  const tenant = { id: 'instance-1' } as Tenant;
  const payload = { iss: 'http://acme.localhost/id', aud: ['DomainAPI', 'TableAPI'], iat: 1700000000, nbf: 1700000000, exp: 1700003600, jti: 'ABC', scope: ['read'], name: 'Zoë "Z" Ünal' };
  let sut: TokenSigner;

  beforeEach(() => {
    sut = new TokenSigner(keys);
  });

  it.each(['at+jwt', 'JWT', 'logout+jwt'] as const)('signs %s exactly as jose SignJWT does (RS256 is deterministic)', async (typ) => {
    const expected = await new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: key.kid, typ }).sign(privateKey);
    await expect(sut.sign(tenant, payload, typ)).resolves.toBe(expected);
  });

  it('verifies with the public key, with the header the contract names', async () => {
    const jwt = await sut.sign(tenant, payload, 'at+jwt');
    expect(decodeProtectedHeader(jwt)).toEqual({ alg: 'RS256', kid: key.kid, typ: 'at+jwt' });
    const { payload: verified } = await jwtVerify(jwt, publicKey, { typ: 'at+jwt', currentDate: new Date(1700000001000) });
    expect(verified).toEqual(payload);
  });

  it('builds each header once per key and signs concurrently', async () => {
    const jwts = await Promise.all(Array.from({ length: 8 }, (_, i) => sut.sign(tenant, { ...payload, jti: String(i) }, i % 2 ? 'JWT' : 'at+jwt')));
    expect(new Set(jwts).size).toBe(8);
    expect([...key.encodedHeaders.keys()].sort()).toEqual(['JWT', 'at+jwt', 'logout+jwt']);
  });
});
