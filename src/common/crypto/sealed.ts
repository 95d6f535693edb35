import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A value carried by the browser that it must not change: base64url(JSON) + "." + HMAC-SHA256.
 * Used for the pending authorization request on the sign-in page. Expires after `ttlSeconds`.
 */
export function seal(value: unknown, key: Buffer, ttlSeconds: number, nowSeconds: number): string {
  const body = Buffer.from(JSON.stringify({ v: value, exp: nowSeconds + ttlSeconds })).toString('base64url');
  return `${body}.${createHmac('sha256', key).update(body).digest('base64url')}`;
}

export function unseal<T>(sealed: string, key: Buffer, nowSeconds: number): T | undefined {
  const dot = sealed.indexOf('.');
  if (dot <= 0 || sealed.length > 16_384) return undefined;
  const body = sealed.slice(0, dot);
  const mac = Buffer.from(sealed.slice(dot + 1), 'base64url');
  const expected = createHmac('sha256', key).update(body).digest();
  if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { v: T; exp: number };
    return parsed.exp > nowSeconds ? parsed.v : undefined;
  } catch {
    return undefined;
  }
}
