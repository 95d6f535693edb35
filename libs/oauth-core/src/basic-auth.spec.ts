import { formEncode, MalformedBasicCredentials, parseBasicAuthorization } from './basic-auth';

const basic = (raw: string) => `Basic ${Buffer.from(raw, 'utf8').toString('base64')}`;

describe('parseBasicAuthorization', () => {
  it.each([
    ['plain id and secret', 'client:secret', { clientId: 'client', clientSecret: 'secret' }],
    ['"+" decodes to a space (form encoding)', 'my+client:my+secret', { clientId: 'my client', clientSecret: 'my secret' }],
    ['%2B decodes to a literal "+"', 'a%2Bb:c%2Bd', { clientId: 'a+b', clientSecret: 'c+d' }],
    ['%3A in the id decodes to ":"', 'urn%3Aapp%3A1:secret', { clientId: 'urn:app:1', clientSecret: 'secret' }],
    ['a raw ":" in the secret stays part of the secret', 'client:se:cr:et', { clientId: 'client', clientSecret: 'se:cr:et' }],
    ['%3A in the secret decodes to ":"', 'client:se%3Acret', { clientId: 'client', clientSecret: 'se:cret' }],
    ['percent-encoded UTF-8', 'caf%C3%A9:%E2%98%83', { clientId: 'café', clientSecret: '☃' }],
    ['%25 decodes to "%"', 'client:100%25', { clientId: 'client', clientSecret: '100%' }],
    ['empty secret', 'client:', { clientId: 'client', clientSecret: '' }],
    ['empty id', ':secret', { clientId: '', clientSecret: 'secret' }],
  ])('%s', (_name, raw, expected) => {
    expect(parseBasicAuthorization(basic(raw))).toEqual(expected);
  });

  it('round-trips what formEncode produced (RFC 6749 §2.3.1)', () => {
    const clientId = 'https://app.example.com/a b?x=1&y=2';
    const clientSecret = 'p@ss:wo+rd/=% ü';
    const header = `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`).toString('base64')}`;
    expect(parseBasicAuthorization(header)).toEqual({ clientId, clientSecret });
  });

  it.each([
    ['lower-case scheme', 'basic'],
    ['upper-case scheme', 'BASIC'],
  ])('accepts the %s', (_name, scheme) => {
    expect(parseBasicAuthorization(`${scheme} ${Buffer.from('a:b').toString('base64')}`)).toEqual({ clientId: 'a', clientSecret: 'b' });
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['Bearer', 'Bearer abc.def.ghi'],
    ['Digest', 'Digest username="a"'],
    ['a scheme that only starts with Basic', 'Basicx YTpi'],
  ])('returns null for a non-Basic header: %s', (_name, header) => {
    expect(parseBasicAuthorization(header)).toBeNull();
  });

  it.each([
    ['no credentials', 'Basic'],
    ['only spaces after the scheme', 'Basic   '],
    ['no colon in the decoded value', basic('client-without-secret')],
    ['characters outside base64', 'Basic a:b'],
    ['base64url alphabet', 'Basic YT-_Yg'],
    ['two credentials', `${basic('a:b')} ${Buffer.from('c:d').toString('base64')}`],
    ['too much padding', 'Basic YTpi==='],
    ['invalid percent-encoding in the id', basic('%ZZ:secret')],
    ['invalid percent-encoding in the secret', basic('client:100%')],
    ['a percent-encoded lone surrogate', basic('client:%ED%A0%80')],
  ])('throws MalformedBasicCredentials for %s', (_name, header) => {
    expect(() => parseBasicAuthorization(header)).toThrow(MalformedBasicCredentials);
  });
});

describe('formEncode', () => {
  it.each([
    ['a b', 'a+b'],
    ['a+b', 'a%2Bb'],
    ['a:b', 'a%3Ab'],
    ['a/b=c&d', 'a%2Fb%3Dc%26d'],
    ['ü', '%C3%BC'],
  ])('%j → %j', (value, expected) => {
    expect(formEncode(value)).toBe(expected);
  });
});
