import { appendQuery } from './authorize.response';

describe(appendQuery.name, () => {
  it.each([
    ['no query: starts one', 'https://app.example.com/cb', 'https://app.example.com/cb?code=c&state=s'],
    ['its own query is kept byte for byte', 'https://app.example.com/cb3?next=%2Fhome&flag&t=a~b&sp=a%20b', 'https://app.example.com/cb3?next=%2Fhome&flag&t=a~b&sp=a%20b&code=c&state=s'],
    ['an empty query', 'https://app.example.com/cb?', 'https://app.example.com/cb?code=c&state=s'],
    ['a query ending in &', 'https://app.example.com/cb?a=1&', 'https://app.example.com/cb?a=1&code=c&state=s'],
    ['a custom scheme', 'com.example.app:/cb?x', 'com.example.app:/cb?x&code=c&state=s'],
    ['never after a fragment', 'https://app.example.com/cb?a=1#frag', 'https://app.example.com/cb?a=1&code=c&state=s'],
  ])('%s', (_name, uri, expected) => {
    expect(appendQuery(uri, { code: 'c', state: 's' })).toBe(expected);
  });

  it('encodes the parameters as a form (RFC 6749 Appendix B)', () => {
    expect(appendQuery('https://a.example/cb?x=%20', { state: 'a b&c=d~' })).toBe('https://a.example/cb?x=%20&state=a+b%26c%3Dd%7E');
  });
});
