/** How an admin API request is named in the audit log. */
export interface AdminAuditName {
  /** The kind of thing changed: 'instance', 'trusted-application', 'user', 'keys', 'reference-token', … */
  entity: string;
  /** `<entity>.<past tense>`: 'instance.created', 'user.deleted', 'keys.rotated', … */
  action: string;
}

const VERBS: Record<string, string> = { POST: 'created', PUT: 'updated', PATCH: 'updated', DELETE: 'deleted' };

/** Routes whose meaning the generic rule would miss. */
const SPECIAL: Record<string, AdminAuditName> = {
  'POST /admin/v1/instances/:name/keys/rotate': { entity: 'keys', action: 'keys.rotated' },
  'POST /admin/v1/instances/:name/reference-tokens': { entity: 'reference-token', action: 'reference-token.issued' },
  'DELETE /admin/v1/instances/:name/reference-tokens/:id': { entity: 'reference-token', action: 'reference-token.revoked' },
  'POST /admin/v1/housekeeping': { entity: 'housekeeping', action: 'housekeeping.run' },
};

const singular = (collection: string) => collection.replace(/s$/, '');

/**
 * Names an admin mutation from its method and route pattern: a write to a collection or to one
 * of its items is `<item>.<created|updated|deleted>`; a POST to an action under an item
 * (`…/users/:login/unlock`) is `<item>.<action>`.
 */
export function adminAuditName(method: string, route: string): AdminAuditName {
  const special = SPECIAL[`${method} ${route}`];
  if (special) return special;
  const segments = route.replace(/^\/admin\/v1\/?/, '').split('/').filter(Boolean);
  const statics = segments.filter((s) => !s.startsWith(':'));
  const last = segments[segments.length - 1] ?? 'admin';
  const verb = VERBS[method] ?? method.toLowerCase();
  if (last.startsWith(':') || last.endsWith('s') || statics.length < 2) {
    const entity = singular(statics[statics.length - 1] ?? 'admin');
    return { entity, action: `${entity}.${verb}` };
  }
  const entity = singular(statics[statics.length - 2]);
  return { entity, action: `${entity}.${last}` };
}
