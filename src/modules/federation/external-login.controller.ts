import { Controller, Get, HttpCode, Inject, Logger, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { stringParam } from '@app/oauth-core';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { Clock } from '../../common/crypto/clock';
import { formBody } from '../../common/http/form-body';
import { ViewRenderer } from '../../common/http/views';
import { InvalidRequest } from '../../common/oauth/errors';
import { EndSessionService } from '../session/end-session.service';
import { CurrentTenant } from '../../common/tenant/current-tenant.decorator';
import type { Tenant } from '../../common/tenant/tenant';
import { AuditService } from '../audit/audit.service';
import { AuthorizeService } from '../authorize/authorize.service';
import { decryptPrivateKey, encryptPrivateKey } from '../keys/key-encryption';
import { messages, pickLang, type Lang, type Messages } from '../session/i18n';
import { readSignedCookie, SESSION_COOKIE, setSessionCookie } from '../session/session-cookie';
import { SessionsService } from '../session/sessions.service';
import { canSignIn, signInRefusal } from '../users/sign-in-policy';
import { UsersService } from '../users/users.service';
import { enabledProviders } from './external-providers';
import { FederationService, type ExternalIdentity } from './federation.service';

const STATE_COOKIE = 'iis.ext';
const STATE_TTL_SECONDS = 600;
const AAD = 'external-login-state';

interface LoginState {
  provider: string;
  request?: string;
  upstream: unknown;
  exp: number;
}

/**
 * "Sign in with ERP.net ID" (and any other upstream): sends the person to the upstream, then signs
 * in the instance user whose Email equals the upstream's verified email, and continues the pending
 * authorization. The upstream's state, nonce and PKCE verifier wait in an encrypted cookie.
 */
@Controller('id/account/external')
export class ExternalLoginController {
  private readonly logger = new Logger('Federation');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly federation: FederationService,
    private readonly authorize: AuthorizeService,
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
    private readonly views: ViewRenderer,
    private readonly clock: Clock,
    private readonly endSession: EndSessionService,
    private readonly audit: AuditService,
  ) {}

  @Get('callback')
  async callback(@CurrentTenant() tenant: Tenant, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const state = this.readState(req);
    reply.clearCookie(STATE_COOKIE, this.cookieOptions(req));
    const pending = state?.request ? this.authorize.openPending(state.request) : undefined;
    const lang = pickLang(pending?.params.ui_locales, req.headers['accept-language']);
    const provider = state ? enabledProviders(tenant).find((p) => p.Name === state.provider) : undefined;
    if (!state || !provider) return this.refuse(tenant, reply, lang, 'externalFailed', 400);

    let identity: ExternalIdentity;
    try {
      const outcome = await this.federation.run(tenant, provider, { method: 'GET', url: req.url }, { upstream: state.upstream });
      if (outcome.kind !== 'success') {
        await this.audit.signInFailed(tenant, req, undefined, 'external_failed');
        return this.refuse(tenant, reply, lang, 'externalFailed', 400);
      }
      identity = outcome.user as ExternalIdentity;
    } catch (e) {
      this.logger.warn(`sign-in through ${provider.Name} failed: ${(e as Error).message}`);
      await this.audit.signInFailed(tenant, req, undefined, 'external_failed');
      return this.refuse(tenant, reply, lang, 'externalFailed', 400);
    }
    if (!identity.email || !identity.emailVerified) {
      await this.audit.signInFailed(tenant, req, identity.email, 'external_unverified');
      return this.refuse(tenant, reply, lang, 'externalUnverified', 403);
    }

    const validated = pending ? await this.authorize.validate(tenant, pending.params) : undefined;
    const candidates = (await this.users.findByEmail(tenant.id, identity.email)).filter((u) => canSignIn(u) && (!validated || !signInRefusal(validated.client, u)));
    // Exactly one instance user may own the email; none or several is no match.
    if (candidates.length !== 1) {
      await this.audit.signInFailed(tenant, req, identity.email, 'external_no_match');
      return this.refuse(tenant, reply, lang, 'externalNoMatch', 403);
    }
    const user = candidates[0];

    const previous = await this.sessions.findByCookie(tenant, readSignedCookie(req, SESSION_COOKIE));
    if (previous) await this.endSession.end(tenant, previous, req);
    const { session, cookieValue } = await this.sessions.create(tenant, {
      userId: user.id,
      amr: ['external'],
      idp: identity.issuer,
      tid: provider.TenantId ?? null,
      upstreamIssuer: identity.issuer,
      upstreamSid: identity.sid ?? null,
      upstreamIdToken: identity.idToken ? this.federation.sealIdToken(identity.idToken) : null,
    });
    setSessionCookie(req, reply, cookieValue, tenant.settings.SessionAbsoluteLifetime);
    this.logger.log(`${tenant.name}: signed in through ${provider.Name}`);
    await this.audit.signInSucceeded(tenant, req, user, `external:${provider.Name}`);
    if (validated) return this.authorize.respond(tenant, validated, session, user, reply, lang);
    const t = messages(lang);
    return this.views.render(reply, 'signed-in', { lang, t, title: t.signedInTitle, instanceName: tenant.name, userName: user.name });
  }

  /** The upstream signed the person out (Back-Channel Logout): end the sessions it had opened here. */
  @Post('backchannel-logout')
  @HttpCode(200)
  async backChannelLogout(@CurrentTenant() tenant: Tenant, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    reply.header('Cache-Control', 'no-store');
    const token = stringParam(formBody(req), 'logout_token');
    const verified = token ? await this.federation.verifyLogoutToken(tenant, token) : null;
    if (!verified) throw new InvalidRequest('invalid logout_token');
    for (const session of await this.sessions.findByUpstream(tenant, verified.issuer, verified.sid)) await this.endSession.end(tenant, session, req);
    return {};
  }

  /** Back from signing out at the upstream: on to where the sign-out here was going, or the signed-out page. */
  @Get('logged-out')
  loggedOut(@CurrentTenant() tenant: Tenant, @Query() query: Record<string, unknown>, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const then = this.federation.afterUpstreamLogout(tenant, stringParam(query, 'state'));
    if (then) return reply.header('Cache-Control', 'no-store').redirect(then, 302);
    const lang = pickLang(undefined, req.headers['accept-language']);
    const t = messages(lang);
    return this.views.render(reply, 'logged-out', { lang, t, title: t.loggedOutTitle, instanceName: tenant.name });
  }

  @Get(':provider')
  async start(@CurrentTenant() tenant: Tenant, @Param('provider') name: string, @Query() query: Record<string, unknown>, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const request = stringParam(query, 'request');
    const pending = request ? this.authorize.openPending(request) : undefined;
    const lang = pickLang(pending?.params.ui_locales, req.headers['accept-language']);
    const provider = enabledProviders(tenant).find((p) => p.Name === name);
    // A repeated request (an array) is no request at all: refused, not ignored.
    const malformed = query.request !== undefined && !request;
    if (!provider || (request && !pending) || malformed) return this.refuse(tenant, reply, lang, provider ? 'sessionExpired' : 'externalFailed', provider ? 400 : 404);

    const session: Record<string, unknown> = {};
    let outcome;
    try {
      outcome = await this.federation.run(tenant, provider, { method: 'GET', url: `/start` }, session, reauthenticationOf(pending?.params));
    } catch (e) {
      this.logger.warn(`could not start sign-in through ${provider.Name}: ${(e as Error).message}`);
      return this.refuse(tenant, reply, lang, 'externalFailed', 502);
    }
    if (outcome.kind !== 'redirect') return this.refuse(tenant, reply, lang, 'externalFailed', 502);
    const state: LoginState = { provider: provider.Name, request, upstream: session.upstream, exp: this.clock.epochSeconds() + STATE_TTL_SECONDS };
    const sealed = encryptPrivateKey(Buffer.from(JSON.stringify(state)), this.config.keyEncryptionKey, AAD);
    reply.setCookie(STATE_COOKIE, sealed, { ...this.cookieOptions(req), maxAge: STATE_TTL_SECONDS });
    return reply.header('Cache-Control', 'no-store').redirect(outcome.url, 302);
  }

  private readState(req: FastifyRequest): LoginState | undefined {
    const raw = req.cookies?.[STATE_COOKIE];
    if (!raw) return undefined;
    try {
      const state = JSON.parse(decryptPrivateKey(raw, this.config.keyEncryptionKey, AAD).toString('utf8')) as LoginState;
      return state.exp > this.clock.epochSeconds() ? state : undefined;
    } catch {
      return undefined;
    }
  }

  private cookieOptions(req: FastifyRequest) {
    return { path: '/id/account/external', httpOnly: true, sameSite: 'lax' as const, secure: req.protocol === 'https' };
  }

  private refuse(tenant: Tenant, reply: FastifyReply, lang: Lang, message: keyof Messages, status: number) {
    const t = messages(lang);
    return this.views.render(reply, 'error', { lang, t, title: t.errorTitle, instanceName: tenant.name, message: t[message] }, { status });
  }
}

/** prompt=login (and select_account, which shows the sign-in page) and max_age of the application's request, for the upstream. */
function reauthenticationOf(params: Record<string, unknown> | undefined): { prompt?: 'login'; max_age?: number } {
  const prompt = typeof params?.prompt === 'string' ? params.prompt.split(' ') : [];
  const maxAge = typeof params?.max_age === 'string' && /^\d{1,10}$/.test(params.max_age) ? Number(params.max_age) : undefined;
  return { ...(prompt.includes('login') || prompt.includes('select_account') ? { prompt: 'login' as const } : {}), ...(maxAge !== undefined ? { max_age: maxAge } : {}) };
}
