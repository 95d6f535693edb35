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
