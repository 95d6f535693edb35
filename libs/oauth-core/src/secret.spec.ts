import { createHash } from 'node:crypto';
import { hashSecret, isSha256Base64, verifySecret } from './secret';

const sha256Base64 = (s: string) => createHash('sha256').update(s, 'utf8').digest('base64');

describe('hashSecret', () => {
  it.each(['secret', '', 'pässwörd ☃', 'a'.repeat(10_000)])('is base64(sha256(utf8(%j)))', (secret) => {
    expect(hashSecret(secret)).toBe(sha256Base64(secret));
  });

  it('matches `printf %s secret | openssl dgst -sha256 -binary | base64`', () => {
    expect(hashSecret('secret')).toBe('K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=');
  });
});

describe('isSha256Base64', () => {
  it.each([
    ['a real digest', hashSecret('x'), true],
    ['all zero bytes', Buffer.alloc(32).toString('base64'), true],
    ['the empty string', '', false],
    ['no padding', hashSecret('x').slice(0, 43), false],
    ['double padding', hashSecret('x').slice(0, 42) + '==', false],
    ['one character too many', hashSecret('x') + 'A', false],
    ['base64url alphabet', hashSecret('x').slice(0, 42).replace(/.$/, '-') + 'A=', false],
    ['surrounding whitespace', ` ${hashSecret('x')} `, false],
    ['hex digest', createHash('sha256').update('x').digest('hex'), false],
    ['sha-1 digest', createHash('sha1').update('x').digest('base64'), false],
    ['sha-512 digest', createHash('sha512').update('x').digest('base64'), false],
    ['the plain secret', 'my-client-secret', false],
  ])('%s → %s', (_name, value, expected) => {
    expect(isSha256Base64(value)).toBe(expected);
  });
});

describe('verifySecret', () => {
  const stored = hashSecret('correct horse');

  it.each([
    ['the right secret', 'correct horse', stored, true],
    ['a wrong secret', 'correct horsE', stored, false],
    ['a prefix of the secret', 'correct', stored, false],
    ['the secret with trailing space', 'correct horse ', stored, false],
    ['the hash presented as the secret', stored, stored, false],
    ['an empty secret against its own hash', '', hashSecret(''), true],
    ['a unicode secret', 'пароль', hashSecret('пароль'), true],
    ['null stored hash', 'correct horse', null, false],
    ['undefined stored hash', 'correct horse', undefined, false],
    ['empty stored hash', '', '', false],
    ['malformed stored hash', 'correct horse', 'not-a-hash', false],
    ['stored hash without padding', 'correct horse', stored.slice(0, 43), false],
    ['stored plain secret', 'correct horse', 'correct horse', false],
  ])('%s → %s', (_name, presented, storedHash, expected) => {
    expect(verifySecret(presented, storedHash)).toBe(expected);
  });

  it('does not accept any secret against a stored all-zero placeholder it uses for malformed hashes', () => {
    // A malformed hash is compared against 32 zero bytes; a stored hash of zeros must still never match.
    expect(verifySecret('anything', Buffer.alloc(32).toString('base64'))).toBe(false);
  });

  it('never throws, whatever it is given', () => {
    const presented = ['', ' ', 'x', '\u0000', '\uD800', 'a'.repeat(100_000), '%00', '☃'];
    const stored = [null, undefined, '', '=', 'A'.repeat(44), 'A'.repeat(43) + '=', hashSecret('x'), '\uD800'.repeat(44), '!'.repeat(1000)];
    for (const p of presented) for (const s of stored) expect(() => verifySecret(p, s)).not.toThrow();
  });

  it('always compares two 32-byte digests in constant time, even for a malformed stored hash', () => {
    // The module object itself (not an import copy), so the spy sees secret.ts's calls.
    const nodeCrypto: typeof import('node:crypto') = require('node:crypto');
    const spy = jest.spyOn(nodeCrypto, 'timingSafeEqual');
    try {
      for (const s of [stored, null, undefined, 'malformed']) {
        spy.mockClear();
        verifySecret('correct horse', s);
        expect(spy).toHaveBeenCalledTimes(1);
        const [a, b] = spy.mock.calls[0] as [Buffer, Buffer];
        expect([a.length, b.length]).toEqual([32, 32]);
      }
    } finally {
      spy.mockRestore();
    }
  });
});
