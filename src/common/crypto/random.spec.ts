import { randomHexId, randomToken } from './random';

describe('random identifiers', () => {
  it('randomHexId gives upper-case hex of the asked length, never the same twice across pool refills', () => {
    const seen = new Set<string>();
    // 4096-byte pool, 16 bytes each: 1,000 ids refill it several times.
    for (let i = 0; i < 1000; i++) {
      const id = randomHexId();
      expect(id).toMatch(/^[0-9A-F]{32}$/);
      seen.add(id);
    }
    expect(seen.size).toBe(1000);
    expect(randomHexId(8)).toMatch(/^[0-9A-F]{16}$/);
    expect(randomHexId(5000)).toHaveLength(10000);
  });

  it('randomHexId ids of different sizes do not overlap in the pool', () => {
    const a = randomHexId(7);
    const b = randomHexId(7);
    expect(a).not.toBe(b);
  });

  it('randomToken is base64url of the asked bytes', () => {
    expect(randomToken()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomToken(16)).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});
