import { registerDecorator, ValidateIf, ValidationOptions } from 'class-validator';
import { isAbsoluteUrl, isSha256Base64, isValidScopeString, parseUriList } from '@app/oauth-core';

function define(name: string, message: string, test: (value: unknown) => boolean) {
  return (options?: ValidationOptions) => (target: object, propertyName: string) =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName,
      options: { message: `${propertyName} ${message}`, ...options },
      validator: { validate: test },
    });
}

/**
 * A comma-separated list of absolute URLs without fragments (ImpersonateLoginUrl, ImpersonateLogoutUrl),
 * spaces allowed around the commas; empty (no URL at all) or blank, but no empty entry between commas.
 */
export const IsUrlList = define('isUrlList', 'must be a comma-separated list of absolute URLs without fragments', (v) => {
  if (typeof v !== 'string' || v.length > 8000) return false;
  if (!v.trim()) return true;
  const entries = v.split(',').map((s) => s.trim());
  return entries.every((s) => s.length > 0) && parseUriList(v).every(isAbsoluteUrl);
});

/** Text in Unicode normalization form C, so that one name is stored one way ("é" as one code point, not e + ◌́). */
export const IsNfc = define('isNfc', 'must be in Unicode normalization form C (NFC)', (v) => typeof v === 'string' && v === v.normalize('NFC'));

/** ERP.net's ApplicationSecretHash: base64(sha256(secret)). */
export const IsSecretHash = define('isSecretHash', 'must be base64(sha256(secret)): 44 base64 characters', (v) => typeof v === 'string' && isSha256Base64(v));

/** A space-separated scope list of RFC 6749 scope tokens. */
export const IsScopeList = define('isScopeList', 'must be a space-separated list of scopes', (v) => typeof v === 'string' && v.length <= 2000 && isValidScopeString(v));

/** An absolute http(s) URL without a fragment: a logout URI that the server itself calls or frames. */
/** A JSON object of at most 20 named strings (a WebSite's AdditionalProperties). */
export const IsStringRecord = define('isStringRecord', 'must be an object of at most 20 names (letters, digits, _ . -) with string values', (v) => {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const entries = Object.entries(v as Record<string, unknown>);
  return entries.length <= 20 && entries.every(([name, value]) => /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/.test(name) && typeof value === 'string' && value.length <= 2000);
});

/** The ports fetch() refuses to connect to (the Fetch standard's "bad ports"). */
const FETCH_BAD_PORTS = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123,
  135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995,
  1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

/** A URL the server itself calls (back-channel logout): not on a port fetch() refuses, or the call could never be made. */
export const IsFetchablePort = define('isFetchablePort', 'must not use a port that HTTP clients refuse (such as 25 or 6667)', (v) => {
  if (typeof v !== 'string') return true;
  try {
    const port = new URL(v).port;
    return !port || !FETCH_BAD_PORTS.has(Number(port));
  } catch {
    return true; // another validator says what is wrong with it
  }
});

export const IsHttpUrl = define('isHttpUrl', 'must be an absolute http(s) URL without a fragment', (v) => typeof v === 'string' && v.length <= 2000 && /^https?:\/\//i.test(v) && isAbsoluteUrl(v));


/**
 * The property may be left out; when present, every other check applies, to `null` as well.
 * (class-validator's IsOptional skips `null` too, which let `null` through to the database.)
 */
export const Optional = (): PropertyDecorator => ValidateIf((_, v) => v !== undefined);

/** The property may be left out or `null` (which clears it); any other value must pass the other checks. */
export const Nullable = (): PropertyDecorator => ValidateIf((_, v) => v !== undefined && v !== null);

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/**
 * A DNS host name (an instance's Host), which URL parsers read as written: not `1.2.3` or `0x7f.1`,
 * which they take for other IPv4 addresses, nor an IPv4 address out of range.
 */
export const IsHostName = define('isHostName', 'must be a DNS host name without scheme or port', (v) => {
  if (typeof v !== 'string' || !HOSTNAME.test(v)) return false;
  try {
    return new URL(`http://${v}/`).hostname === v.toLowerCase();
  } catch {
    return false;
  }
});
