import { redactPaths, REDACTED, safeUrl, scrubText, scrubValue } from './redaction';

describe('redaction', () => {
  describe(safeUrl.name, () => {
    it.each([
      ['/id/connect/token', '/id/connect/token'],
      ['/id/account/login?request=abc.def', '/id/account/login?request=[REDACTED]'],
      ['/cb?code=c1&state=s1&iss=x', '/cb?code=[REDACTED]&state=[REDACTED]&iss=[REDACTED]'],
      ['/id/connect/authorize?client_id=app&response_type=code&scope=openid+profile', '/id/connect/authorize?client_id=app&response_type=code&scope=openid+profile'],
      ['/id/connect/endsession?id_token_hint=eyJ&post_logout_redirect_uri=https%3A%2F%2Fa', '/id/connect/endsession?id_token_hint=[REDACTED]&post_logout_redirect_uri=https%3A%2F%2Fa'],
      ['/id/account/reset?token=t&lang=bg', '/id/account/reset?token=[REDACTED]&lang=bg'],
      ['/x?flag', '/x?flag'],
      ['/x?', '/x'],
      ['/x?%ZZ=1', '/x?%ZZ=[REDACTED]'],
    ])('%s', (url, expected) => {
      expect(safeUrl(url)).toBe(expected);
    });
  });

  describe(scrubText.name, () => {
    it('hides sensitive parameters of URLs quoted in free text, and nothing else', () => {
      expect(scrubText('mail to a@b.c: Reset https://h/id/account/reset?token=abc123&lang=en')).toBe(`mail to a@b.c: Reset https://h/id/account/reset?token=${REDACTED}&lang=en`);
      expect(scrubText('https://app/cb#access_token=at&id_token=it&state=s')).toBe(`https://app/cb#access_token=${REDACTED}&id_token=${REDACTED}&state=s`);
      expect(scrubText('https://app/cb?CODE=x')).toBe(`https://app/cb?CODE=${REDACTED}`);
      // The demo banner form (`client_secret=…` after a space) is not a URL parameter.
      expect(scrubText('client_id=demo-app client_secret=abc')).toBe('client_id=demo-app client_secret=abc');
      expect(scrubText('database unavailable: connect ECONNREFUSED')).toBe('database unavailable: connect ECONNREFUSED');
    });
  });

  describe(scrubValue.name, () => {
    it('replaces sensitive keys at any depth and keeps the rest', () => {
      expect(scrubValue({ a: 1, Password: 'p', nested: { client_secret: 's', list: [{ refresh_token: 'r', ok: true }] }, ApplicationSecretHash: 'h', when: 'x' })).toEqual({
        a: 1,
        Password: REDACTED,
        nested: { client_secret: REDACTED, list: [{ refresh_token: REDACTED, ok: true }] },
        ApplicationSecretHash: REDACTED,
        when: 'x',
      });
    });
  });

  it('redact paths are valid for pino and never hide an error code', () => {
    const paths = redactPaths();
    expect(paths).toEqual(expect.arrayContaining(['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', 'password', '*.client_secret', 'body.code']));
    expect(paths).not.toContain('*.code');
    expect(paths).not.toContain('code');
  });
});
