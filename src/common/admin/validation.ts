import { type ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { AdminErrorCode, AdminException } from './admin.exception';

function collect(errors: ValidationError[], prefix = '', out: Record<string, string[]> = {}): Record<string, string[]> {
  for (const e of errors) {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    if (e.constraints) out[path] = Object.values(e.constraints);
    if (e.children?.length) collect(e.children, path, out);
  }
  return out;
}

/** Deeper than any admin body needs; class-transformer and the pipe recurse per level and overflow the stack at a few thousand. */
const MAX_BODY_DEPTH = 32;

/** A body's nesting depth, counted without recursion (it is what a hostile body attacks). */
function depthOf(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (!v || typeof v !== 'object') continue;
    max = Math.max(max, depth + 1);
    if (max > MAX_BODY_DEPTH) return max;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return max;
}

/** In Unicode-aware matching a paired surrogate is one code point: this finds only the lone halves. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * The path of the first string (value or property name: '' for a name) holding a lone surrogate,
 * which JSON's \u escapes can make and PostgreSQL would silently store as U+FFFD; else undefined.
 */
function illFormedText(value: unknown): string | undefined {
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v)) return path;
    } else if (v && typeof v === 'object') {
      for (const [key, child] of Object.entries(v)) {
        if (LONE_SURROGATE.test(key)) return '';
        stack.push([child, path ? `${path}.${key}` : key]);
      }
    }
  }
  return undefined;
}

/** Before validation: a body must be one JSON object (not null, an array or a string), and not nested too deeply. */
class AdminValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body') {
      if (!value || typeof value !== 'object' || Array.isArray(value)) {
        throw new AdminException(AdminErrorCode.InvalidInput, 'the body must be a JSON object', { body: ['must be a JSON object'] });
      }
      if (depthOf(value) > MAX_BODY_DEPTH) {
        throw new AdminException(AdminErrorCode.InvalidInput, `the body is nested more than ${MAX_BODY_DEPTH} levels deep`, { body: ['is nested too deeply'] });
      }
      const broken = illFormedText(value);
      if (broken !== undefined) {
        throw new AdminException(AdminErrorCode.InvalidInput, `${broken || 'a property name'} holds a lone UTF-16 surrogate (\\ud800-\\udfff), which no text can store`, { [broken || 'body']: ['holds a lone UTF-16 surrogate'] });
      }
    }
    return super.transform(value, metadata);
  }
}

/** The admin API's pipe: unknown properties are refused and every failing field is named. */
export function adminValidationPipe(): ValidationPipe {
  return new AdminValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => {
      const fields = collect(errors);
      const summary = Object.entries(fields)
        .map(([k, v]) => `${k}: ${v.join(', ')}`)
        .join('; ');
      return new AdminException(AdminErrorCode.InvalidInput, summary || 'invalid body', fields);
    },
  });
}

/** For a route that takes no body (POST …/keys/rotate): none, or an empty JSON object; anything else is refused, not ignored. */
export function assertNoBody(body: unknown): void {
  if (body === undefined || body === null) return;
  if (typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0) return;
  throw new AdminException(AdminErrorCode.InvalidInput, 'this request takes no body', { body: ['must be empty'] });
}
