import { isAbsoluteUrl, isRegisteredUri, parseUriList } from './redirect-uri';

describe('parseUriList', () => {
  it.each([
    [undefined, []],
    [null, []],
    ['', []],
    [' , ,', []],
    ['https://a.example/cb', ['https://a.example/cb']],
    ['https://a.example/cb,https://b.example/cb', ['https://a.example/cb', 'https://b.example/cb']],
    ['  https://a.example/cb ,\thttps://b.example/cb\n', ['https://a.example/cb', 'https://b.example/cb']],
    ['https://a.example/cb,,https://b.example/cb,', ['https://a.example/cb', 'https://b.example/cb']],
  ])('%j → %j', (value, expected) => {
    expect(parseUriList(value)).toEqual(expected);
  });
});

describe('isRegisteredUri', () => {
  const registered = ['https://app.example.com/cb', 'http://localhost:8080/signin-callback?tenant=a', 'com.example.app:/oauth2redirect'];

  it.each(registered)('accepts the registered %s exactly', (uri) => {
    expect(isRegisteredUri(uri, registered)).toBe(true);
  });

  it.each([
    ['a trailing slash added', 'https://app.example.com/cb/'],
    ['a different path case', 'https://app.example.com/CB'],
    ['a different host case', 'https://APP.example.com/cb'],
    ['a different scheme', 'http://app.example.com/cb'],
    ['an explicit default port', 'https://app.example.com:443/cb'],
    ['a query added', 'https://app.example.com/cb?x=1'],
    ['an empty query added', 'https://app.example.com/cb?'],
    ['a different query', 'http://localhost:8080/signin-callback?tenant=b'],
    ['the query removed', 'http://localhost:8080/signin-callback'],
    ['a fragment added', 'https://app.example.com/cb#x'],
    ['a longer path (prefix match)', 'https://app.example.com/cb/evil'],
    ['a sub-domain', 'https://evil.app.example.com/cb'],
    ['a percent-encoded path', 'https://app.example.com/%63b'],
    ['dot segments', 'https://app.example.com/x/../cb'],
    ['surrounding whitespace', ' https://app.example.com/cb'],
    ['userinfo', 'https://evil@app.example.com/cb'],
    ['the empty string', ''],
  ])('rejects %s', (_name, candidate) => {
    expect(isRegisteredUri(candidate, registered)).toBe(false);
  });

  it('rejects everything when nothing is registered', () => {
    expect(isRegisteredUri('https://app.example.com/cb', [])).toBe(false);
  });
});

describe('isAbsoluteUrl', () => {
  it.each([
    ['https', 'https://app.example.com/cb', true],
    ['http with port and query', 'http://localhost:8080/cb?x=1', true],
    ['a private-use scheme (native apps, RFC 8252)', 'com.example.app:/oauth2redirect', true],
    ['relative path', '/cb', false],
    ['no scheme', 'app.example.com/cb', false],
    ['empty', '', false],
    ['a fragment', 'https://app.example.com/cb#frag', false],
    ['an empty fragment', 'https://app.example.com/cb#', false],
    ['javascript:', 'javascript:alert(1)', false],
    ['javascript: in upper case', 'JavaScript://%0aalert(1)', false],
    ['data:', 'data:text/html,<script>alert(1)</script>', false],
    ['vbscript:', 'vbscript:msgbox(1)', false],
    ['file:', 'file:///etc/passwd', false],
    ['an IPv6 host with a port', 'http://[::1]:8080/cb', true],
    ['an upper-case host', 'https://App.Example.com/cb', true],
    ['an internationalised host', 'https://bücher.example/cb', true],
    ['a space in the path', 'http://a.example/c b', false],
    ['a tab', 'http://a.example/c\tb', false],
    ['surrounding whitespace', ' https://a.example/cb', false],
    ['one slash after http:', 'http:/a.example/cb', false],
    ['no slash after http:', 'http:a.example/cb', false],
    ['a wildcard host', 'https://*.example.com/cb', false],
    ['user and password', 'https://user:pw@a.example/cb', false],
    ['a user', 'https://trusted.example@evil.example/cb', false],
    ['a short numeric host', 'http://1.2.3/cb', false],
    ['a hexadecimal host', 'http://0x7f.1/cb', false],
    ['an IPv4 host out of range', 'http://999.1.1.1/cb', false],
    ['an IPv4 host', 'http://127.0.0.1:5000/cb', true],
  ])('%s → %s', (_name, value, expected) => {
    expect(isAbsoluteUrl(value)).toBe(expected);
  });
});
