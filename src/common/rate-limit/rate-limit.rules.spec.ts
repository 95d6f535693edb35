import type { FastifyRequest } from 'fastify';
import { formEncode } from '@app/oauth-core';
import { account, clientId, clientIp, RATE_LIMIT_RULES } from './rate-limit.rules';

const request = (r: { ip?: string; body?: unknown; authorization?: string }) =>
  ({ ip: r.ip ?? '203.0.113.7', body: r.body, headers: r.authorization ? { authorization: r.authorization } : {} }) as unknown as FastifyRequest;
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${formEncode(id)}:${formEncode(secret)}`).toString('base64')}`;

describe('rate-limit rules', () => {
  it('key the sign-in account by the username as logins compare: trimmed, case-insensitive; none without one', () => {
    expect(account(request({ body: { username: '  John.Doe ' } }))).toBe('john.doe');
    expect(account(request({ body: { username: ['a', 'b'] } }))).toBeUndefined();
    expect(account(request({ body: { username: '   ' } }))).toBeUndefined();
    expect(account(request({}))).toBeUndefined();
  });

  it('take the client_id from client_secret_basic, else from the form; a malformed header counts as nobody', () => {
    expect(clientId(request({ authorization: basic('app one', 's'), body: { client_id: 'other' } }))).toBe('app one');
    expect(clientId(request({ body: { client_id: 'app' } }))).toBe('app');
    expect(clientId(request({ authorization: 'Basic !!!', body: {} }))).toBe('');
    expect(clientId(request({ authorization: 'Bearer x', body: { client_id: ['a', 'b'] } }))).toBe('');
  });

  it('count IPv4-mapped IPv6 as IPv4, and IPv6 per /64', () => {
    expect(clientIp(request({ ip: '::ffff:192.0.2.1' }))).toBe('192.0.2.1');
    expect(clientIp(request({ ip: '2001:db8:1:2:aaaa::1' }))).toBe(clientIp(request({ ip: '2001:db8:1:2:bbbb::2' })));
    expect(clientIp(request({ ip: '2001:db8:1:2::1' }))).not.toBe(clientIp(request({ ip: '2001:db8:1:3::1' })));
  });

  it('cover the sign-in forms and the back-channel endpoints, each limit an instance setting', () => {
    const routes = (name: string) => [...RATE_LIMIT_RULES.find((r) => r.name === name)!.routes].sort();
    expect(routes('sign-in-per-ip')).toEqual([
      'GET /id/account/device',
      'GET /id/account/external/:provider',
      'GET /id/account/external/callback',
      'POST /id/account/device',
      'POST /id/account/forgot',
      'POST /id/account/login',
      'POST /id/account/profile',
      'POST /id/account/register',
      'POST /id/account/reset',
      'POST /id/account/verify',
    ]);
    expect(routes('sign-in-per-account')).toEqual(['POST /id/account/login']);
    expect(routes('back-channel-per-client')).toEqual(['POST /id/connect/deviceauthorization', 'POST /id/connect/introspect', 'POST /id/connect/par', 'POST /id/connect/revocation', 'POST /id/connect/token']);
    expect(RATE_LIMIT_RULES.map((r) => [r.limit, r.response])).toEqual([
      ['SignInRateLimitPerIp', 'page'],
      ['SignInRateLimitPerAccount', 'page'],
      ['TokenRateLimitPerClient', 'oauth'],
      ['TokenRateLimitPerIp', 'oauth'],
    ]);
  });
});
