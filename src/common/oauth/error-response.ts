import { HttpException, type Logger } from '@nestjs/common';
import { AdminException, adminErrorStatus } from '../admin/admin.exception';
import { isUnstorableInput } from '../unstorable-input';
import { OAuthError } from './errors';

export interface ErrorBody {
  error: string;
  error_description?: string;
  errors?: Record<string, string[]>;
}

export interface ErrorResponse {
  status: number;
  body: ErrorBody;
  wwwAuthenticate?: string;
}

/**
 * An error as its JSON response: OAuth errors as RFC 6749 §5.2 / RFC 6750, admin errors with
 * their field-by-field reasons, framework 4xx as they are, and anything unknown as a generic
 * server_error that is logged (`where`: method and route) but never shown. Used by the exception
 * filter and by the fast lane, so that both answer alike.
 */
export function errorResponse(exception: unknown, where: string, logger: Pick<Logger, 'error'>): ErrorResponse {
  if (exception instanceof OAuthError) {
    if (exception.status >= 500) logger.error(`${where}: ${exception.error}`, (exception.cause as Error)?.stack);
    return { status: exception.status, body: describe(exception.error, exception.description), wwwAuthenticate: exception.wwwAuthenticate };
  }
  if (exception instanceof AdminException) {
    const body: ErrorBody = exception.message ? { error: exception.code, error_description: exception.message } : { error: exception.code };
    if (exception.fields) body.errors = exception.fields;
    return { status: adminErrorStatus(exception.code), body };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    // Nest's 404 names the URL it could not route: without its query, which may hold a secret sent the wrong way.
    if (status < 500) return { status, body: describe(status === 404 ? 'not_found' : 'invalid_request', httpMessage(exception).replace(/\?\S*/, '')) };
  }
  const statusCode = (exception as { statusCode?: unknown })?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    // Fastify's own 4xx (unsupported media type, malformed body, body too large).
    return { status: statusCode, body: describe('invalid_request', (exception as Error).message) };
  }
  if (isUnstorableInput(exception)) {
    return { status: 400, body: describe('invalid_request', 'the request holds characters that are not accepted (such as NUL)') };
  }
  logger.error(`unhandled error on ${where}`, (exception as Error)?.stack ?? String(exception));
  return { status: 500, body: describe('server_error', 'an unexpected error occurred') };
}

/**
 * An OAuth error body. error_description may hold only %x20-21 / %x23-5B / %x5D-7E (RFC 6749
 * §5.2): anything else a description echoes from the request (quotes, backslashes, control or
 * non-ASCII characters) becomes '?'.
 */
function describe(error: string, description?: string): ErrorBody {
  return description ? { error, error_description: description.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '?') } : { error };
}

function httpMessage(e: HttpException): string {
  const res = e.getResponse();
  if (typeof res === 'string') return res;
  const msg = (res as { message?: unknown }).message;
  return Array.isArray(msg) ? msg.join(', ') : typeof msg === 'string' ? msg : e.message;
}
