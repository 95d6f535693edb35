import { createHash } from 'node:crypto';
import { leftHalfHash } from './token-hash';

describe('leftHalfHash', () => {
  it.each([
    // OpenID Connect Core 1.0, Appendix A.3 (id_token token): access_token → at_hash.
    ['at_hash', 'jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y', '77QmUPtjPfzWtF2AnpK9RQ'],
    // OpenID Connect Core 1.0, Appendix A.4 (code id_token): code → c_hash.
    ['c_hash', 'Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk', 'LDktKdoQak3Pk0cnXxCltA'],
  ])('computes the OIDC Core example %s', (_name, value, expected) => {
    expect(leftHalfHash(value)).toBe(expected);
  });

  it('hashes the UTF-8 octets, as relying parties do for s_hash of a non-ASCII state', () => {
    const state = 'résumé-✓';
    const expected = createHash('sha256').update(Buffer.from(state, 'utf8')).digest().subarray(0, 16).toString('base64url');
    expect(leftHalfHash(state)).toBe(expected);
    // Distinct characters that share a low byte must not share a hash.
    expect(leftHalfHash('\u00e9')).not.toBe(leftHalfHash('\u01e9'));
  });

  it('is 16 bytes as unpadded base64url (22 characters)', () => {
    expect(leftHalfHash('anything')).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});
