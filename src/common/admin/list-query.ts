import { invalidInput } from './admin.exception';

export const MAX_LIST_LIMIT = 1000;

/** A page of an admin list: at most `limit` items, those after `after` in the list's order. */
export interface ListPage {
  limit?: number;
  after?: string;
}

/**
 * Reads an admin list's query: `limit` (1–1000) and `after` (the last key of the previous page),
 * plus the `filters` the list takes. A parameter given twice, or one the list does not know, is
 * refused rather than ignored, so that a caller never mistakes a whole list for a filtered one.
 */
export function readListQuery<F extends string>(query: Record<string, unknown>, filters: readonly F[] = []): ListPage & Partial<Record<F, string>> {
  for (const name of Object.keys(query)) {
    if (name !== 'limit' && name !== 'after' && !(filters as readonly string[]).includes(name)) throw invalidInput(name, 'is not a parameter of this list');
  }
  const out: ListPage & Partial<Record<F, string>> = {};
  const limit = single(query, 'limit');
  if (limit !== undefined) {
    if (!/^\d{1,4}$/.test(limit) || +limit < 1 || +limit > MAX_LIST_LIMIT) throw invalidInput('limit', `must be an integer from 1 to ${MAX_LIST_LIMIT}`);
    out.limit = +limit;
  }
  out.after = single(query, 'after');
  for (const name of filters) (out as Record<string, string | undefined>)[name] = single(query, name);
  return out;
}

/** A query parameter given at most once; empty is absent. */
export function single(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw invalidInput(name, 'must be given once');
  return value;
}
