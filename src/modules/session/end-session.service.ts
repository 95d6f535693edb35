import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { duplicatedParameters, isRegisteredUri, parseUriList, stringParam } from '@app/oauth-core';
import { ViewRenderer } from '../../common/http/views';
import { appendQuery } from '../authorize/authorize.response';
import { tenantFor, type InstanceRecord, type Tenant } from '../../common/tenant/tenant';
import { AuditService } from '../audit/audit.service';
import { FederationService } from '../federation/federation.service';
import type { TrustedApplicationEntity } from '../trusted-applications/trusted-application.entity';
import { TrustedApplicationsService } from '../trusted-applications/trusted-applications.service';
import { subjectOf } from '../tokens/user-claims';
import { UsersService } from '../users/users.service';
import { BackChannelLogout } from './back-channel-logout';
import { csrfToken, csrfValid } from './csrf';
import { messages, pickLang, type Lang } from './i18n';
import { IdTokenHintVerifier, type IdTokenHint } from './id-token-hint';
import type { SessionEntity } from './session.entity';
import { clearSessionCookie, readSignedCookie, SESSION_COOKIE } from './session-cookie';
import { SessionsService } from './sessions.service';

/** The request parameters the confirmation form carries over to its POST (re-validated there). */
const CARRIED_PARAMS = ['id_token_hint', 'post_logout_redirect_uri', 'state', 'client_id', 'ui_locales'] as const;

/** A logout request after validation: what it may do without asking the person. */
interface ValidatedEndSession {
  /** The application named by a valid id_token_hint (and by client_id, when both are sent). */
  client: TrustedApplicationEntity | null;
  /** The registered post_logout_redirect_uri with state, when the client is known. */
  redirect?: string;
  /** True when the request may end the session without a confirmation (RP-Initiated Logout §2). */
  trusted: boolean;
}

/**
 * Ends the browser's session at this instance and signs the person out of every application that
 * took part (back-channel and front-channel). It redirects only to a post_logout_redirect_uri that is
 * registered (ImpersonateLogoutUrl) for the application named by a valid id_token_hint. It asks for
 * confirmation first, and then never redirects, when the hint is missing or invalid, when the
 * redirect URI is not registered; with a valid hint of another session it asks too (RP-Initiated
 * Logout §2: "MUST ask ... if the supplied ID Token does not belong to the current OP session").
 */
@Injectable()
export class EndSessionService implements OnModuleInit {
  constructor(
    private readonly sessions: SessionsService,
    private readonly applications: TrustedApplicationsService,
    private readonly users: UsersService,
    private readonly hints: IdTokenHintVerifier,
    private readonly backChannel: BackChannelLogout,
    private readonly views: ViewRenderer,
    private readonly audit: AuditService,
    private readonly federation: FederationService,
  ) {}

  async endSession(tenant: Tenant, params: Record<string, unknown>, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const lang = pickLang(stringParam(params, 'ui_locales'), req.headers['accept-language']);
    // A malformed request (a parameter repeated, which OAuth forbids) is refused, as opr does; a
    // well-formed one with a hint that is not valid is only "no hint" (confirmation, no redirect).
    const repeated = duplicatedParameters(params);
    if (repeated.length) return this.malformed(reply, tenant, lang, `parameters must not be repeated: ${repeated.join(', ').slice(0, 200)}`);
    const session = await this.sessions.findByCookie(tenant, readSignedCookie(req, SESSION_COOKIE));
    const request = await this.validate(tenant, params, session);

    const confirming = req.method === 'POST' && params.confirm === 'yes';
    const confirmed = confirming && csrfValid(req, params.csrf);
    if (!request.trusted && !confirmed) {
      if (!session) return this.loggedOut(reply, tenant, lang, undefined, []);
      return this.confirm(tenant, params, req, reply, lang, confirming);
    }

    const frontChannelUris = session ? await this.end(tenant, session, req) : [];
    clearSessionCookie(req, reply);
    // A bad hint or an unregistered URI never redirects, even after confirmation.
    const registered = request.client ? request.redirect : undefined;
    // A session that came from an upstream (ERP.net ID) is signed out there too, and comes back to `registered`.
    const redirect = (session && (await this.federation.upstreamLogoutUrl(tenant, session, registered))) || registered;
    if (redirect && frontChannelUris.length === 0) return reply.header('Cache-Control', 'no-store').redirect(redirect, 302);
    return this.loggedOut(reply, tenant, lang, redirect, frontChannelUris);
  }

  /** id_token_hint, client_id and post_logout_redirect_uri (RP-Initiated Logout §2, §3). */
  private async validate(tenant: Tenant, params: Record<string, unknown>, session: SessionEntity | null): Promise<ValidatedEndSession> {
    if (duplicatedParameters(params).length) return { client: null, trusted: false };
    const hintToken = stringParam(params, 'id_token_hint');
    const hint = hintToken ? await this.hints.verify(tenant, hintToken) : null;
    const clientId = stringParam(params, 'client_id');
    const candidate = hint && (!clientId || clientId === hint.clientId) ? await this.applications.findByClientId(tenant.id, hint.clientId) : null;
    const client = candidate?.isEnabled ? candidate : null;
    if (!hint || !client) return { client: null, trusted: false };

    const requested = stringParam(params, 'post_logout_redirect_uri');
    const registered = !requested || isRegisteredUri(requested, parseUriList(client.impersonateLogoutUrl));
    const redirect = requested && registered ? withState(requested, stringParam(params, 'state')) : undefined;
    return { client, redirect, trusted: registered && (!session || belongsTo(hint, session)) };
  }

  onModuleInit(): void {
    this.users.onDeactivated((instance, user) => this.endEveryOf(instance, user.id));
  }

  /**
   * Ends every live session of a user deactivated through the admin API, and tells their
   * applications by back-channel logout under the issuer each session was opened at (a session
   * older than that record is only ended). No browser is there for front-channel logout.
   */
  private async endEveryOf(instance: InstanceRecord, userId: string): Promise<void> {
    for (const session of await this.sessions.liveOf(instance.id, userId)) {
      if (session.origin) await this.end(tenantFor(instance, session.origin), session);
    }
  }

  /**
   * Tells the applications of sessions that were just ended by a statement of their own (a
   * password reset, a verified address) what a logout tells them: by back-channel logout, under
   * the issuer each session was opened at. A session older than that record is left untold.
   */
  async announceEnded(instance: InstanceRecord, sessions: readonly SessionEntity[], request?: FastifyRequest): Promise<void> {
    for (const session of sessions) if (session.origin) await this.announce(tenantFor(instance, session.origin), session, request);
  }

  /** Ends the session, tells every participating application, and returns the front-channel URLs to load. */
  async end(tenant: Tenant, session: SessionEntity, request?: FastifyRequest): Promise<string[]> {
    if (!(await this.sessions.end(tenant, session))) return [];
    return this.announce(tenant, session, request);
  }

  /** Audits the end of `session` and tells its applications; returns the front-channel URLs to load. */
  private async announce(tenant: Tenant, session: SessionEntity, request?: FastifyRequest): Promise<string[]> {
    const user = await this.users.findById(tenant.id, session.userId);
    await this.audit.signedOut(tenant, user?.login, session.sid, request);
    const apps = (await Promise.all((await this.sessions.participants(session)).map((uri) => this.applications.findByClientId(tenant.id, uri)))).filter(
      (a): a is TrustedApplicationEntity => !!a && a.isEnabled,
    );
    if (user) await this.backChannel.notify(tenant, apps, subjectOf(tenant, user), session.sid);
    // Front-Channel Logout 1.0 §2: the page is loaded in an iframe, so only http(s) URLs qualify.
    return apps.flatMap((a) => {
      const url = a.frontChannelLogoutUri ? new URL(a.frontChannelLogoutUri) : undefined;
      if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) return [];
      url.searchParams.set('iss', tenant.issuer);
      url.searchParams.set('sid', session.sid);
      return [url.toString()];
    });
  }

  /** The confirmation form; it carries the request's parameters so that a valid hint still counts after it. */
  private confirm(tenant: Tenant, params: Record<string, unknown>, req: FastifyRequest, reply: FastifyReply, lang: Lang, csrfFailed: boolean): FastifyReply {
    const t = messages(lang);
    const fields = CARRIED_PARAMS.flatMap((name) => {
      const value = stringParam(params, name);
      return value ? [{ name, value }] : [];
    });
    return this.views.render(
      reply,
      'logout-confirm',
      {
        lang,
        t,
        title: t.logoutTitle,
        instanceName: tenant.name,
        action: `${tenant.issuer}/connect/endsession`,
        csrf: csrfToken(req, reply),
        fields,
        error: csrfFailed ? t.csrfFailed : undefined,
      },
      { status: csrfFailed ? 403 : 200 },
    );
  }

  private malformed(reply: FastifyReply, tenant: Tenant, lang: Lang, description: string): FastifyReply {
    const t = messages(lang);
    return this.views.render(reply, 'error', { lang, t, title: t.errorTitle, instanceName: tenant.name, message: description, code: 'invalid_request' }, { status: 400 });
  }

  private loggedOut(reply: FastifyReply, tenant: Tenant, lang: Lang, redirectUri: string | undefined, frontChannelUris: string[]): FastifyReply {
    const t = messages(lang);
    return this.views.render(
      reply,
      'logged-out',
      { lang, t, title: t.loggedOutTitle, instanceName: tenant.name, redirectUri, frontChannelUris },
      { frameSources: [...new Set(frontChannelUris.map((u) => new URL(u).origin))] },
    );
  }
}

/** The hint was issued in this session: its sid is the session's (our ID tokens always carry one). */
function belongsTo(hint: IdTokenHint, session: SessionEntity): boolean {
  return hint.sid !== undefined && hint.sid === session.sid;
}

/** The registered URI keeps its own query as it is; state is appended (as for authorization responses). */
function withState(uri: string, state: string | undefined): string {
  return state ? appendQuery(uri, { state }) : uri;
}
