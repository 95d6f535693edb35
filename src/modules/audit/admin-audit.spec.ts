import { adminAuditName } from './admin-audit';

describe(adminAuditName.name, () => {
  it.each([
    ['POST', '/admin/v1/instances', 'instance', 'instance.created'],
    ['PATCH', '/admin/v1/instances/:name', 'instance', 'instance.updated'],
    ['DELETE', '/admin/v1/instances/:name', 'instance', 'instance.deleted'],
    ['POST', '/admin/v1/instances/:name/trusted-applications', 'trusted-application', 'trusted-application.created'],
    ['PUT', '/admin/v1/instances/:name/trusted-applications/:uri', 'trusted-application', 'trusted-application.updated'],
    ['PATCH', '/admin/v1/instances/:name/trusted-applications/:uri', 'trusted-application', 'trusted-application.updated'],
    ['DELETE', '/admin/v1/instances/:name/users/:login', 'user', 'user.deleted'],
    ['POST', '/admin/v1/instances/:name/keys/rotate', 'keys', 'keys.rotated'],
    ['POST', '/admin/v1/instances/:name/reference-tokens', 'reference-token', 'reference-token.issued'],
    ['DELETE', '/admin/v1/instances/:name/reference-tokens/:id', 'reference-token', 'reference-token.revoked'],
    // A route added later gets a sensible name without touching this file.
    ['POST', '/admin/v1/instances/:name/users/:login/unlock', 'user', 'user.unlock'],
  ])('%s %s', (method, route, entity, action) => {
    expect(adminAuditName(method, route)).toEqual({ entity, action });
  });
});
