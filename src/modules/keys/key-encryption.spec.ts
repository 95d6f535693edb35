import { randomBytes } from 'node:crypto';
import { decryptPrivateKey, encryptPrivateKey } from './key-encryption';

describe('key encryption (AES-256-GCM)', () => {
  const kek = randomBytes(32);
  const kid = '0123456789ABCDEF0123456789ABCDEF';
  const plaintext = randomBytes(1218);

  /** Flips one bit of the decoded envelope at `index` (negative: from the end). */
  const flip = (encoded: string, index: number) => {
    const data = Buffer.from(encoded, 'base64');
    data[index < 0 ? data.length + index : index] ^= 0x01;
    return data.toString('base64');
  };

  it('round-trips', () => {
    expect(decryptPrivateKey(encryptPrivateKey(plaintext, kek, kid), kek, kid)).toEqual(plaintext);
  });

  it('round-trips an empty plaintext', () => {
    expect(decryptPrivateKey(encryptPrivateKey(Buffer.alloc(0), kek, kid), kek, kid)).toEqual(Buffer.alloc(0));
  });

  it('lays out iv(12) | tag(16) | ciphertext as base64', () => {
    const data = Buffer.from(encryptPrivateKey(plaintext, kek, kid), 'base64');
    expect(data.length).toBe(12 + 16 + plaintext.length);
  });

  it('uses a fresh iv each time', () => {
    const a = encryptPrivateKey(plaintext, kek, kid);
    const b = encryptPrivateKey(plaintext, kek, kid);
    expect(a).not.toBe(b);
    expect(Buffer.from(a, 'base64').subarray(0, 12)).not.toEqual(Buffer.from(b, 'base64').subarray(0, 12));
  });

  it('fails with a wrong KEK', () => {
    const encoded = encryptPrivateKey(plaintext, kek, kid);
    expect(() => decryptPrivateKey(encoded, randomBytes(32), kid)).toThrow();
  });

  it('fails with a KEK that is not 32 bytes', () => {
    const encoded = encryptPrivateKey(plaintext, kek, kid);
    expect(() => decryptPrivateKey(encoded, kek.subarray(0, 16), kid)).toThrow();
  });

  it('fails when the AAD (the kid) differs: a ciphertext cannot be moved to another key row', () => {
    const encoded = encryptPrivateKey(plaintext, kek, kid);
    expect(() => decryptPrivateKey(encoded, kek, 'FEDCBA9876543210FEDCBA9876543210')).toThrow();
    expect(() => decryptPrivateKey(encoded, kek, kid.toLowerCase())).toThrow();
    expect(() => decryptPrivateKey(encoded, kek, '')).toThrow();
  });

  it.each([
    ['the iv', 0],
    ['the tag', 12],
    ['the last tag byte', 27],
    ['the first ciphertext byte', 28],
    ['the last ciphertext byte', -1],
  ])('fails when %s is tampered with', (_name, index) => {
    const encoded = encryptPrivateKey(plaintext, kek, kid);
    expect(() => decryptPrivateKey(flip(encoded, index), kek, kid)).toThrow();
  });

  it('fails when the ciphertext is truncated or extended', () => {
    const data = Buffer.from(encryptPrivateKey(plaintext, kek, kid), 'base64');
    expect(() => decryptPrivateKey(data.subarray(0, data.length - 1).toString('base64'), kek, kid)).toThrow();
    expect(() => decryptPrivateKey(Buffer.concat([data, Buffer.from([0])]).toString('base64'), kek, kid)).toThrow();
  });

  it.each([4, 8, 12, 15])('rejects an authentication tag cut to %i bytes', (tagLength) => {
    // GCM accepts short tags unless told the length; a truncated tag of a genuine empty-plaintext
    // envelope must not verify, or forging one would take 2^32 tries instead of 2^128.
    const data = Buffer.from(encryptPrivateKey(Buffer.alloc(0), kek, kid), 'base64');
    const truncated = data.subarray(0, 12 + tagLength).toString('base64');
    expect(() => decryptPrivateKey(truncated, kek, kid)).toThrow();
  });

  it.each([
    ['empty', ''],
    ['shorter than iv and tag', Buffer.alloc(20).toString('base64')],
    ['random bytes', randomBytes(200).toString('base64')],
  ])('fails on a %s envelope', (_name, encoded) => {
    expect(() => decryptPrivateKey(encoded, kek, kid)).toThrow();
  });
});
