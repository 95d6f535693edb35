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

  it('randomHexId of a size that does not divide the pool refills it early and still never repeats', () => {
    // 7 bytes: 585 fit in 4096, the 586th takes a fresh pool; 1,200 cross two refills.
    const ids = Array.from({ length: 1200 }, () => randomHexId(7));
    for (const id of ids) expect(id).toMatch(/^[0-9A-F]{14}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('randomToken is base64url of the asked bytes, drawn from the same pool and never repeated', () => {
    expect(randomToken(16)).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(randomToken(5000)).toHaveLength(6667);
    // 32 bytes each, interleaved with jtis: 600 tokens cross several refills.
    const tokens = Array.from({ length: 600 }, () => (randomHexId(), randomToken()));
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set(tokens).size).toBe(tokens.length);
  });
});
