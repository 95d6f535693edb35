import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { formatScope } from '@app/oauth-core';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { Clock } from '../../common/crypto/clock';
import { deriveSecret } from '../../common/crypto/derived-secret';
import { randomToken } from '../../common/crypto/random';
import { seal, unseal } from '../../common/crypto/sealed';
import { ViewRenderer } from '../../common/http/views';
import { InteractionRequired, LoginRequired } from '../../common/oauth/errors';
import type { Tenant } from '../../common/tenant/tenant';
import { pickLang, type Lang } from '../session/i18n';
import type { SessionEntity } from '../session/session.entity';
import { readSignedCookie, SESSION_COOKIE } from '../session/session-cookie';
import { SessionsService } from '../session/sessions.service';
import { AuthorizationCodesRepository } from '../tokens/authorization-codes.repository';
import { UserTokensService, type UserGrant } from '../tokens/user-tokens.service';
import { TrustedApplicationsService } from '../trusted-applications/trusted-applications.service';
import { MetricsService } from '../metrics/metrics.service';
import type { UserEntity } from '../users/user.entity';
import { signInRefusal } from '../users/sign-in-policy';
import { UsersService } from '../users/users.service';
import { AuthorizationError } from './authorization.error';
import { deliverAuthorizationResponse } from './authorize.response';
import type { ValidatedAuthorizeRequest } from './authorize.types';
import { validateAuthorize } from './authorize.validator';

/** How long a person has to sign in before the pending request expires. */
const PENDING_REQUEST_TTL_SECONDS = 30 * 60;

export interface PendingAuthorization {
  params: Record<string, string>;
}

/** The authorization endpoint: validate, then answer at once from a session or send the person to sign in. */
@Injectable()
export class AuthorizeService {
  private readonly sealKey: Buffer;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly applications: TrustedApplicationsService,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly codes: AuthorizationCodesRepository,
    private readonly tokens: UserTokensService,
    private readonly views: ViewRenderer,
    private readonly clock: Clock,
    private readonly metrics: MetricsService,
  ) {
    this.sealKey = deriveSecret(config.keyEncryptionKey, 'pending-authorization');
  }

  validate(tenant: Tenant, params: Record<string, unknown>): Promise<ValidatedAuthorizeRequest> {
    return validateAuthorize(tenant, params, { findClient: (instanceId, clientId) => this.applications.findByClientId(instanceId, clientId) });
  }

  async authorize(tenant: Tenant, params: Record<string, unknown>, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const validated = await this.validate(tenant, params);
    const session = await this.sessions.findByCookie(tenant, readSignedCookie(request, SESSION_COOKIE));
    const user = session ? await this.users.findById(tenant.id, session.userId) : null;
    const lang = pickLang(validated.params.ui_locales as string | undefined, request.headers['accept-language']);

    const reauthenticate = !session || !user || validated.prompt.has('login') || this.tooOld(session, validated.maxAge);
    const refusal = user && !reauthenticate ? signInRefusal(validated.client, user) : null;
    if (reauthenticate || refusal) {
      if (validated.prompt.has('none')) {
        const error = reauthenticate ? new LoginRequired('the user must sign in') : new InteractionRequired('the signed-in user cannot use this application');
        throw new AuthorizationError(error, validated.redirect, tenant.name);
      }
      return reply.redirect(this.loginUrl(tenant, validated, refusal ? 'not-allowed' : undefined), 302);
    }
    return this.respond(tenant, validated, session!, user!, reply, lang);
  }

  /** Issues what the response_type asks for and sends it to the client. */
  async respond(tenant: Tenant, req: ValidatedAuthorizeRequest, session: SessionEntity, user: UserEntity, reply: FastifyReply, lang: Lang): Promise<FastifyReply> {
    await this.sessions.addParticipant(session, req.client.applicationUri);
    const grant: UserGrant = { scopes: req.scopes, sid: session.sid, authTime: session.authTime, amr: session.amr, idp: session.idp, tid: session.tid, claims: req.claims ?? null };
    const out: Record<string, string> = {};
    if (req.responseTypes.has('code')) {
      out.code = randomToken(32);
      await this.codes.create(tenant.id, out.code, {
        grantId: randomUUID(),
        applicationUri: req.client.applicationUri,
        userId: user.id,
        sessionSid: session.sid,
        redirectUri: req.redirect.redirectUri,
        scope: formatScope(req.scopes),
        nonce: req.nonce ?? null,
        codeChallenge: req.codeChallenge ?? null,
        claims: req.claims ?? null,
        authTime: session.authTime,
        amr: session.amr,
        idp: session.idp,
        tid: session.tid,
        expiresAt: new Date(this.clock.now().getTime() + tenant.settings.AuthorizationCodeLifetime * 1000),
      });
    }
    if (req.responseTypes.has('token')) {
      const access = await this.tokens.accessToken(tenant, req.client, user, grant);
      Object.assign(out, { access_token: access.token, token_type: 'Bearer', expires_in: String(access.expiresIn), scope: formatScope(req.scopes) });
    }
    if (req.responseTypes.has('id_token')) {
      out.id_token = await this.tokens.idToken(tenant, req.client, user, grant, { nonce: req.nonce, accessToken: out.access_token, code: out.code, state: req.redirect.state });
    }
    if (out.access_token || out.id_token) this.metrics.tokenIssued(out.code ? 'hybrid' : 'implicit', tenant.name);
    return deliverAuthorizationResponse(reply, this.views, req.redirect, out, lang);
  }

  /** The sign-in page URL that carries this request, sealed so the browser cannot alter it. */
  loginUrl(tenant: Tenant, req: ValidatedAuthorizeRequest, reason?: 'not-allowed'): string {
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.params)) if (typeof v === 'string') params[k] = v;
    const sealed = seal({ params } satisfies PendingAuthorization, this.sealKey, PENDING_REQUEST_TTL_SECONDS, this.clock.epochSeconds());
    return `${tenant.issuer}/account/login?request=${encodeURIComponent(sealed)}${reason ? `&reason=${reason}` : ''}`;
  }

  openPending(sealed: string | undefined): PendingAuthorization | undefined {
    return sealed ? unseal<PendingAuthorization>(sealed, this.sealKey, this.clock.epochSeconds()) : undefined;
  }

  private tooOld(session: SessionEntity, maxAge: number | undefined): boolean {
    if (maxAge === undefined) return false;
    return Math.floor((this.clock.now().getTime() - session.authTime.getTime()) / 1000) > maxAge;
  }
}
