import { isValidCodeChallenge, isValidCodeVerifier, s256, verifyS256 } from './pkce';

// RFC 7636 Appendix B.
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

describe('s256', () => {
  it('computes the RFC 7636 Appendix B challenge', () => {
    expect(s256(VERIFIER)).toBe(CHALLENGE);
  });
});

describe('isValidCodeVerifier', () => {
  it.each([
    ['the RFC example', VERIFIER, true],
    ['42 characters (too short)', 'a'.repeat(42), false],
    ['43 characters (minimum)', 'a'.repeat(43), true],
    ['128 characters (maximum)', 'a'.repeat(128), true],
    ['129 characters (too long)', 'a'.repeat(129), false],
    ['every unreserved character', 'AZaz09-._~'.repeat(5), true],
    ['a space', 'a'.repeat(42) + ' ', false],
    ['a plus sign', 'a'.repeat(42) + '+', false],
    ['a slash', 'a'.repeat(42) + '/', false],
    ['a percent sign', 'a'.repeat(42) + '%', false],
    ['a non-ASCII letter', 'a'.repeat(42) + 'é', false],
    ['a trailing newline', 'a'.repeat(43) + '\n', false],
    ['empty', '', false],
  ])('%s → %s', (_name, verifier, expected) => {
    expect(isValidCodeVerifier(verifier)).toBe(expected);
  });
});

describe('isValidCodeChallenge', () => {
  it.each([
    ['the RFC example', CHALLENGE, true],
    ['42 characters', CHALLENGE.slice(0, 42), false],
    ['44 characters', CHALLENGE + 'A', false],
    ['padded base64url', CHALLENGE + '=', false],
    ['standard base64 alphabet', CHALLENGE.replace('-', '+'), false],
    ['a plain verifier-length string with "~"', 'a'.repeat(42) + '~', false],
  ])('%s → %s', (_name, challenge, expected) => {
    expect(isValidCodeChallenge(challenge)).toBe(expected);
  });
});

describe('verifyS256', () => {
  it.each([
    ['the RFC pair', VERIFIER, CHALLENGE, true],
    ['a different verifier', VERIFIER.replace('d', 'e'), CHALLENGE, false],
    ['a different challenge', VERIFIER, CHALLENGE.replace('E', 'F'), false],
    ['the verifier as its own challenge (plain method)', VERIFIER, VERIFIER, false],
    ['a verifier that is too short, even with its own challenge', 'a'.repeat(42), s256('a'.repeat(42)), false],
    ['a verifier that is too long, even with its own challenge', 'a'.repeat(129), s256('a'.repeat(129)), false],
    ['a truncated challenge', VERIFIER, CHALLENGE.slice(0, 42), false],
    ['an empty challenge', VERIFIER, '', false],
    ['a challenge with multi-byte characters', VERIFIER, 'é'.repeat(43), false],
  ])('%s → %s', (_name, verifier, challenge, expected) => {
    expect(verifyS256(verifier, challenge)).toBe(expected);
  });
});
