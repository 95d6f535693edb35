import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { InsufficientScope, InvalidRequest, InvalidToken, OAuthError } from '../../common/oauth/errors';
import type { Tenant } from '../../common/tenant/tenant';
import { isReferenceTokenFormat } from '../reference-tokens/reference-token-secret';
import { ReferenceTokensService } from '../reference-tokens/reference-tokens.service';
import { AccessTokenVerifier } from '../tokens/access-token-verifier';
import { RevokedAccessTokensRepository } from '../tokens/revoked-access-tokens.repository';
import { identityClaims, subjectOf } from '../tokens/user-claims';
import { TrustedApplicationsService } from '../trusted-applications/trusted-applications.service';
import { UsersService } from '../users/users.service';

@Injectable()
export class UserinfoService {
  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly revoked: RevokedAccessTokensRepository,
    private readonly users: UsersService,
    private readonly applications: TrustedApplicationsService,
    private readonly referenceTokens: ReferenceTokensService,
  ) {}

  async claims(tenant: Tenant, req: FastifyRequest): Promise<Record<string, unknown>> {
    // RFC 6750 §3: insufficient_scope names the scope the resource needs.
    const challenge = (error?: string) => `Bearer realm="${tenant.issuer}"${error ? `, error="${error}"` : ''}${error === 'insufficient_scope' ? ', scope="openid"' : ''}`;
    try {
      const token = bearerToken(req);
      if (isReferenceTokenFormat(token)) await this.refuseReferenceToken(tenant, token);
      const payload = await this.verifier.verify(tenant, token);
      if (typeof payload.sub !== 'string' || typeof payload.sub_id !== 'string') throw new InvalidToken('the access token does not belong to a user');
      if (typeof payload.jti === 'string' && (await this.revoked.isRevoked(tenant.id, payload.jti))) throw new InvalidToken('the access token was revoked');
      // As introspection decides: a token outlives its application only while the application is enabled.
      if (!(await this.applications.stillHoldsToken(tenant.id, payload))) throw new InvalidToken('the application of the access token is disabled or deleted');
      const scopes = Array.isArray(payload.scope) ? (payload.scope as string[]) : [];
      if (!scopes.includes('openid')) throw new InsufficientScope('the access token was not granted the openid scope');
      const user = await this.users.findById(tenant.id, payload.sub_id);
      if (!user || !user.active) throw new InvalidToken('the user is no longer active');
      const requested = Array.isArray(payload.userinfo_claims) ? (payload.userinfo_claims as string[]) : [];
      return { sub: subjectOf(tenant, user), ...identityClaims(tenant, user, scopes, requested) };
    } catch (e) {
      if (e instanceof OAuthError) e.wwwAuthenticate = challenge(hasCredentials(req) ? e.error : undefined);
      throw e;
    }
  }

  /**
   * A PAT or SAT is an access token for the ERP.net APIs, never granted `openid`: a valid one is
   * refused as RFC 6750 §3.1 says of a token without the scope the resource needs (403
   * insufficient_scope), an unknown, expired or revoked one as invalid (401).
   */
  private async refuseReferenceToken(tenant: Tenant, token: string): Promise<never> {
    if (await this.referenceTokens.findActive(tenant, token)) throw new InsufficientScope('a reference token (PAT or SAT) is not granted the openid scope');
    throw new InvalidToken('the access token is invalid or expired');
  }
}

/** The Authorization header, when it uses the Bearer scheme; another scheme carries no bearer token. */
function bearerHeader(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  return header && /^Bearer(?: |$)/i.test(header) ? header : undefined;
}

function formBody(req: FastifyRequest): Record<string, unknown> {
  return req.method === 'POST' && req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {};
}

/**
 * Whether the request tried to present a bearer token at all. Without one (no header, another
 * scheme such as Basic, no access_token in the body) RFC 6750 §3.1 wants a bare challenge.
 */
function hasCredentials(req: FastifyRequest): boolean {
  const body = formBody(req).access_token;
  return !!bearerHeader(req) || (body !== undefined && body !== '');
}

/** RFC 6750 §2.1 header or §2.2 form body; exactly one of them, and the body parameter once. */
function bearerToken(req: FastifyRequest): string {
  const header = bearerHeader(req);
  const fromBody = formBody(req).access_token;
  if (Array.isArray(fromBody)) throw new InvalidRequest('access_token must not be repeated');
  if (header && fromBody !== undefined) throw new InvalidRequest('send the access token in one place only');
  if (header) {
    const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
    if (!match) throw new InvalidToken('malformed Bearer authorization header');
    return match[1];
  }
  if (typeof fromBody === 'string' && fromBody) {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') throw new InvalidRequest('the access token in a body must be form-encoded');
    return fromBody;
  }
  throw new InvalidToken('an access token is required');
}
