import { registerDecorator, ValidationOptions } from 'class-validator';
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

/** A comma-separated list of absolute URLs without fragments (ImpersonateLoginUrl, ImpersonateLogoutUrl). */
export const IsUrlList = define('isUrlList', 'must be a comma-separated list of absolute URLs without fragments', (v) => {
  if (typeof v !== 'string' || v.length > 8000) return false;
  return parseUriList(v).every(isAbsoluteUrl);
});

/** ERP.net's ApplicationSecretHash: base64(sha256(secret)). */
export const IsSecretHash = define('isSecretHash', 'must be base64(sha256(secret)): 44 base64 characters', (v) => typeof v === 'string' && isSha256Base64(v));

/** A space-separated scope list of RFC 6749 scope tokens. */
export const IsScopeList = define('isScopeList', 'must be a space-separated list of scopes', (v) => typeof v === 'string' && v.length <= 2000 && isValidScopeString(v));

export const IsAbsoluteUrl = define('isAbsoluteUrl', 'must be an absolute URL without a fragment', (v) => typeof v === 'string' && v.length <= 2000 && isAbsoluteUrl(v));
