import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync } from 'class-validator';

/** Fields that hold a password (password, new_password, current_password). */
const PASSWORDS = /(^|_)password$/;

/**
 * Validates an HTML form body against a class-validator DTO. Pages show errors next to fields,
 * so the result is the set of invalid field names (each constraint's message is its field name).
 */
export function validateForm<T extends object>(dto: ClassConstructor<T>, body: unknown): { value: T; invalid: Set<string> } {
  const plain: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body && typeof body === 'object' ? body : {})) {
    // A repeated field is never valid input for a single-value form control. Spaces around text are
    // dropped, never around a password: it must be the one the sign-in form compares, as typed.
    plain[k] = Array.isArray(v) ? undefined : typeof v === 'string' && !PASSWORDS.test(k) ? v.trim() : v;
  }
  const value = plainToInstance(dto, plain);
  const errors = validateSync(value, { whitelist: true });
  return { value, invalid: new Set(errors.map((e) => e.property)) };
}
