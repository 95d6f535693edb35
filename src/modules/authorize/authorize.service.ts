import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { formatScope, stringParam, stringParams } from '@app/oauth-core';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { Clock } from '../../common/crypto/clock';
import { deriveSecret } from '../../common/crypto/derived-secret';
import { randomToken } from '../../common/crypto/random';
import { seal, unseal } from '../../common/crypto/sealed';
import { ViewRenderer } from '../../common/http/views';
import { InteractionRequired, InvalidRequest, InvalidRequestUri, LoginRequired } from '../../common/oauth/errors';
import type { Tenant } from '../../common/tenant/tenant';
import { pickLang, type Lang } from '../session/i18n';
import { IdTokenHintVerifier } from '../session/id-token-hint';
import type { SessionEntity } from '../session/session.entity';
import { readSignedCookie, SESSION_COOKIE } from '../session/session-cookie';
import { SessionsService } from '../session/sessions.service';
import { AuthorizationCodesRepository } from '../tokens/authorization-codes.repository';
import { newAccessTokenId, UserTokensService, type UserGrant } from '../tokens/user-tokens.service';
import { TrustedApplicationsService } from '../trusted-applications/trusted-applications.service';
import { MetricsService } from '../metrics/metrics.service';
import type { UserEntity } from '../users/user.entity';
import { subjectOf } from '../tokens/user-claims';
import { signInRefusal } from '../users/sign-in-policy';
import { UsersService } from '../users/users.service';
import { AuthorizationError } from './authorization.error';
import { deliverAuthorizationResponse } from './authorize.response';
import type { ValidatedAuthorizeRequest } from './authorize.types';
import { validateAuthorize } from './authorize.validator';
import { PUSHED_REQUEST_URI_PREFIX, PushedRequestsRepository } from './pushed-requests.repository';
import { requestedSubjects } from './requested-subject';

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
    private readonly hints: IdTokenHintVerifier,
    private readonly pushed: PushedRequestsRepository,
  ) {
    this.sealKey = deriveSecret(config.keyEncryptionKey, 'pending-authorization');
  }

  validate(tenant: Tenant, params: Record<string, unknown>): Promise<ValidatedAuthorizeRequest> {
    return validateAuthorize(tenant, params, {
      findClient: (instanceId, clientId) => this.applications.findByClientId(instanceId, clientId),
      verifyIdTokenHint: (t, token) => this.hints.verify(t, token),
      pendingRequestLength: (raw) => this.sealPending(raw).length,
    });
  }

  async authorize(tenant: Tenant, params: Record<string, unknown>, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const validated = await this.validate(tenant, await this.pushedRequest(tenant, params));
    const session = await this.sessions.findByCookie(tenant, readSignedCookie(request, SESSION_COOKIE));
    const user = session ? await this.users.findById(tenant.id, session.userId) : null;
    const lang = pickLang(validated.params.ui_locales as string | undefined, request.headers['accept-language']);

    // Another user than the one the request names (id_token_hint, claims sub) must sign in, as for
    // prompt=login; select_account shows the sign-in page too, where any account can sign in.
    const reauthenticate =
      !session || !user || validated.prompt.has('login') || validated.prompt.has('select_account') || this.tooOld(session, validated.maxAge) || namesAnotherUser(tenant, validated, user);
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

  /**
   * The request a pushed request's request_uri stands for (RFC 9126 §4): the parameters its
   * application pushed, used once; whatever else was sent beside client_id is ignored. Any other
   * request_uri is left to the checks, which refuse it. Errors are shown, never redirected: no
   * redirect_uri is known to be the client's yet.
   */
  private async pushedRequest(tenant: Tenant, params: Record<string, unknown>): Promise<Record<string, unknown>> {
    const requestUri = params.request_uri;
    if (typeof requestUri !== 'string' || !requestUri.startsWith(PUSHED_REQUEST_URI_PREFIX)) return params;
    const clientId = stringParam(params, 'client_id');
    if (!clientId) throw new AuthorizationError(new InvalidRequest('missing required parameter(s) client_id'), undefined, tenant.name);
    const pushed = await this.pushed.take(tenant.id, requestUri.slice(PUSHED_REQUEST_URI_PREFIX.length), clientId, this.clock.now());
    if (!pushed) throw new AuthorizationError(new InvalidRequestUri('request_uri is unknown, expired or already used'), undefined, tenant.name);
    return pushed;
  }

  /** Issues what the response_type asks for and sends it to the client. */
  async respond(tenant: Tenant, req: ValidatedAuthorizeRequest, session: SessionEntity, user: UserEntity, reply: FastifyReply, lang: Lang): Promise<FastifyReply> {
    // Whoever just signed in: never tokens for another user than the request names (OIDC Core §5.5.1).
    if (namesAnotherUser(tenant, req, user)) {
      throw new AuthorizationError(new LoginRequired('the signed-in user is not the user the request names'), req.redirect, tenant.name);
    }
    await this.sessions.addParticipant(session, req.client.applicationUri);
    const grant: UserGrant = { scopes: req.scopes, sid: session.sid, authTime: session.authTime, amr: session.amr, idp: session.idp, tid: session.tid, claims: req.claims ?? null };
    const out: Record<string, string> = {};
    // Chosen before the code is stored with it, so that a replayed code can revoke this access token too.
    const accessTokenJti = req.responseTypes.has('token') ? newAccessTokenId() : undefined;
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
        frontChannelJti: accessTokenJti ?? null,
      });
    }
    if (req.responseTypes.has('token')) {
      const access = await this.tokens.accessToken(tenant, req.client, user, grant, { jti: accessTokenJti });
      Object.assign(out, { access_token: access.token, token_type: 'Bearer', expires_in: String(access.expiresIn), scope: formatScope(req.scopes) });
    }
    if (req.responseTypes.has('id_token')) {
      out.id_token = await this.tokens.idToken(tenant, req.client, user, grant, { nonce: req.nonce, accessToken: out.access_token, code: out.code, state: req.redirect.state });
    }
    if (out.access_token || out.id_token) this.metrics.tokenIssued(out.code ? 'hybrid' : 'implicit', tenant.name);
    return deliverAuthorizationResponse(reply, this.views, req.redirect, out, lang);
  }

  /** The sign-in page URL that carries this request, signed so the browser cannot alter it. */
  loginUrl(tenant: Tenant, req: ValidatedAuthorizeRequest, reason?: 'not-allowed'): string {
    return `${tenant.issuer}/account/login?request=${encodeURIComponent(this.sealPending(req.params))}${reason ? `&reason=${reason}` : ''}`;
  }

  /**
   * What to fill the sign-in page's username with: login_hint, else the user the request names
   * when its sub is a Login (on the Global authority it is an account id).
   */
  suggestedUsername(tenant: Tenant, req: ValidatedAuthorizeRequest | undefined): string | undefined {
    if (!req) return undefined;
    return stringParam(req.params, 'login_hint') ?? (tenant.type === 'Global' ? undefined : requestedSubjects(req)[0]);
  }

  /** The request's string parameters, signed (HMAC, not encrypted) and with an expiry: base64url(JSON).mac. */
  private sealPending(raw: Record<string, unknown>): string {
    return seal({ params: stringParams(raw) } satisfies PendingAuthorization, this.sealKey, PENDING_REQUEST_TTL_SECONDS, this.clock.epochSeconds());
  }

  openPending(sealed: string | undefined): PendingAuthorization | undefined {
    return sealed ? unseal<PendingAuthorization>(sealed, this.sealKey, this.clock.epochSeconds()) : undefined;
  }

  /** max_age=0 always asks again (as prompt=login); otherwise the time since the sign-in, to the millisecond. */
  private tooOld(session: SessionEntity, maxAge: number | undefined): boolean {
    if (maxAge === undefined) return false;
    return maxAge === 0 || this.clock.now().getTime() - session.authTime.getTime() > maxAge * 1000;
  }
}

/** Whether the request names a user (id_token_hint, claims sub) who is not this one. */
function namesAnotherUser(tenant: Tenant, req: ValidatedAuthorizeRequest, user: UserEntity): boolean {
  const sub = subjectOf(tenant, user);
  return requestedSubjects(req).some((named) => named !== sub);
}
