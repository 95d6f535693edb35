import { InvalidRequest } from '../../../common/oauth/errors';
import type { Tenant } from '../../../common/tenant/tenant';
import type { IdTokenHint } from '../../session/id-token-hint';
import type { TrustedApplicationEntity } from '../../trusted-applications/trusted-application.entity';
import type { AuthorizeCheckContext, AuthorizeDeps } from '../authorize.types';
import { checkIdTokenHint } from './check-id-token-hint';

const tenant = { id: 'i1', issuer: 'https://acme.example.com/id' } as Tenant;
const client = { applicationUri: 'app.example.com' } as TrustedApplicationEntity;
const hint = (audience: string[]): IdTokenHint => ({ clientId: audience[0], audience, sub: 'john.doe', sid: 'S1' });

function run(params: Record<string, unknown>, verified: IdTokenHint | null) {
  const ctx: AuthorizeCheckContext = { tenant, params, client };
  const deps = { verifyIdTokenHint: jest.fn(async () => verified) } as unknown as AuthorizeDeps;
  return { ctx, deps, result: Promise.resolve(checkIdTokenHint(ctx, deps)) };
}

describe(checkIdTokenHint.name, () => {
  it('without a hint: nothing to check', async () => {
    const { ctx, deps, result } = run({}, null);
    await result;
    expect(deps.verifyIdTokenHint).not.toHaveBeenCalled();
    expect(ctx.idTokenHint).toBeUndefined();
  });

  it.each([
    ['issued to this client', ['app.example.com']],
    ['one of several audiences', ['api.example.com', 'app.example.com']],
  ])('accepts a hint %s and keeps it', async (_name, audience) => {
    const { ctx, deps, result } = run({ id_token_hint: 'h.p.s' }, hint(audience));
    await result;
    expect(deps.verifyIdTokenHint).toHaveBeenCalledWith(tenant, 'h.p.s');
    expect(ctx.idTokenHint).toMatchObject({ sub: 'john.doe' });
  });

  it.each<[string, IdTokenHint | null, string]>([
    ['not an ID token of this instance', null, 'id_token_hint is not a valid ID token of this instance'],
    ['issued to another client', hint(['other.example.com']), 'id_token_hint was not issued to this client'],
  ])('refuses a hint %s: invalid_request', async (_name, verified, description) => {
    const { ctx, result } = run({ id_token_hint: 'h.p.s' }, verified);
    await expect(result).rejects.toEqual(new InvalidRequest(description));
    expect(ctx.idTokenHint).toBeUndefined();
  });
});
