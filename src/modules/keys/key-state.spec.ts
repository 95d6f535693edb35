import { isPublished, keyState, nextTransition, pickSigningKey, rotationPlan, type KeyDates, type KeyState } from './key-state';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
const at = (seconds: number) => new Date(T0 + seconds * 1000);
const key = (activates: number, retires: number | null = null, expires: number | null = null): KeyDates => ({
  activatesAt: at(activates),
  retiresAt: retires === null ? null : at(retires),
  expiresAt: expires === null ? null : at(expires),
});

describe('keyState', () => {
  // A key announced at -300, signing from 0, retired at 100, unpublished at 200.
  const rotated = key(0, 100, 200);

  it.each<[number, KeyState]>([
    [-300, 'Pending'],
    [-0.001, 'Pending'],
    [0, 'Active'],
    [99.999, 'Active'],
    [100, 'Retired'],
    [199.999, 'Retired'],
    [200, 'Expired'],
    [10_000, 'Expired'],
  ])('at %ss → %s', (seconds, expected) => {
    expect(keyState(rotated, at(seconds))).toBe(expected);
  });

  it('stays Active forever without retirement dates', () => {
    expect(keyState(key(0), at(1e9))).toBe('Active');
  });

  it('is Retired, not Pending, when a later rotation retires it before it ever signed', () => {
    expect(keyState(key(100, 50, 400), at(60))).toBe('Retired');
  });

  it('is Expired when expiry is reached, whatever the other dates say', () => {
    expect(keyState(key(500, null, 100), at(100))).toBe('Expired');
  });
});

describe('isPublished', () => {
  it.each([
    [-1, true],
    [0, true],
    [150, true],
    [199.999, true],
    [200, false],
  ])('at %ss → %s', (seconds, expected) => {
    expect(isPublished(key(0, 100, 200), at(seconds))).toBe(expected);
  });
});

describe('pickSigningKey', () => {
  const old = { name: 'old', ...key(-1000, 300, 4000) };
  const fresh = { name: 'fresh', ...key(300) };
  const expired = { name: 'expired', ...key(-9000, -5000, -1000) };

  it.each([
    ['before the new key activates: the old one', 0, 'old'],
    ['the instant it activates: the new one', 300, 'fresh'],
    ['after the old one retired: the new one', 5000, 'fresh'],
  ])('%s', (_name, seconds, expected) => {
    expect(pickSigningKey([expired, old, fresh], at(seconds))?.name).toBe(expected);
    expect(pickSigningKey([fresh, old, expired], at(seconds))?.name).toBe(expected);
  });

  it('picks the newest of several active keys, in any order', () => {
    const a = { name: 'a', ...key(-300) };
    const b = { name: 'b', ...key(-200) };
    const c = { name: 'c', ...key(-100) };
    for (const order of [[a, b, c], [c, b, a], [b, c, a]]) expect(pickSigningKey(order, at(0))?.name).toBe('c');
  });

  it('never picks a pending key, even when it is the newest', () => {
    expect(pickSigningKey([old, fresh], at(299.999))?.name).toBe('old');
  });

  it('returns undefined when no key is active', () => {
    expect(pickSigningKey([expired, { name: 'pending', ...key(10) }], at(0))).toBeUndefined();
    expect(pickSigningKey([], at(0))).toBeUndefined();
  });
});

describe('nextTransition', () => {
  it.each([
    ['the activation of a pending key', [key(100)], 0, 100],
    ['the earliest future date of any key', [key(-10, 500, 900), key(300)], 0, 300],
    ['retirement once activation has passed', [key(-10, 500, 900)], 0, 500],
    ['expiry once retirement has passed', [key(-10, 500, 900)], 600, 900],
    ['not a date equal to now (already taken effect)', [key(0, 500)], 0, 500],
  ])('is %s', (_name, keys, now, expected) => {
    expect(nextTransition(keys, at(now))).toEqual(at(expected));
  });

  it('is undefined when nothing will change', () => {
    expect(nextTransition([key(-10)], at(0))).toBeUndefined();
    expect(nextTransition([key(-10, -5, -1)], at(0))).toBeUndefined();
    expect(nextTransition([], at(0))).toBeUndefined();
  });
});

describe('rotationPlan', () => {
  const delay = 300_000;
  const lifetime = 3_660_000;
  const sut = rotationPlan(at(0), delay, lifetime);

  it('activates the new key after the propagation delay', () => {
    expect(sut.newKey.activatesAt).toEqual(at(300));
  });

  it('retires the replaced keys the instant the new key activates', () => {
    expect(sut.replaced.retiresAt).toEqual(sut.newKey.activatesAt);
  });

  it('keeps the replaced keys published for the max token lifetime after retirement', () => {
    expect(sut.replaced.expiresAt).toEqual(at(300 + 3660));
  });

  it('leaves exactly one signing key at every instant around the rotation', () => {
    const current = { name: 'current', ...key(-1000, 300, 300 + 3660) };
    const next = { name: 'next', activatesAt: sut.newKey.activatesAt, retiresAt: null, expiresAt: null };
    const states = (s: number) => [keyState(current, at(s)), keyState(next, at(s))];
    expect(states(0)).toEqual(['Active', 'Pending']);
    expect(states(300)).toEqual(['Retired', 'Active']);
    expect(states(3960)).toEqual(['Expired', 'Active']);
    for (const s of [0, 299.999, 300, 3959.999, 3960]) expect(pickSigningKey([current, next], at(s))).toBeDefined();
    expect(pickSigningKey([current, next], at(299.999))?.name).toBe('current');
    expect(pickSigningKey([current, next], at(300))?.name).toBe('next');
  });

  it('with no propagation delay activates at once', () => {
    const plan = rotationPlan(at(0), 0, 1000);
    expect(plan.newKey.activatesAt).toEqual(at(0));
    expect(plan.replaced).toEqual({ retiresAt: at(0), expiresAt: at(1) });
  });
});
