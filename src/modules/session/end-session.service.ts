import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { duplicatedParameters, isRegisteredUri, parseUriList, stringParam } from '@app/oauth-core';
import { ViewRenderer } from '../../common/http/views';
import type { Tenant } from '../../common/tenant/tenant';
import type { TrustedApplicationEntity } from '../trusted-applications/trusted-application.entity';
import { TrustedApplicationsService } from '../trusted-applications/trusted-applications.service';
import { UsersService } from '../users/users.service';
import { BackChannelLogout } from './back-channel-logout';
import { csrfToken, csrfValid } from './csrf';
import { messages, pickLang } from './i18n';
import { IdTokenHintVerifier } from './id-token-hint';
import type { SessionEntity } from './session.entity';
import { clearSessionCookie, readSignedCookie, SESSION_COOKIE } from './session-cookie';
import { SessionsService } from './sessions.service';

/**
 * Ends the browser's session at this instance and signs the person out of every application that
 * took part (back-channel and front-channel). It redirects only to a post_logout_redirect_uri that is
 * registered (ImpersonateLogoutUrl) for the application named by a valid id_token_hint; without a
 * valid hint it asks for confirmation first and never redirects.
 */
@Injectable()
export class EndSessionService {
  constructor(
    private readonly sessions: SessionsService,
    private readonly applications: TrustedApplicationsService,
    private readonly users: UsersService,
    private readonly hints: IdTokenHintVerifier,
    private readonly backChannel: BackChannelLogout,
    private readonly views: ViewRenderer,
  ) {}

  async endSession(tenant: Tenant, params: Record<string, unknown>, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const lang = pickLang(stringParam(params, 'ui_locales'), req.headers['accept-language']);
    const t = messages(lang);
    const page = { lang, t, instanceName: tenant.name };
    const session = await this.sessions.findByCookie(tenant, readSignedCookie(req, SESSION_COOKIE));

    const hintToken = duplicatedParameters(params).length ? undefined : stringParam(params, 'id_token_hint');
    const hint = hintToken ? await this.hints.verify(tenant, hintToken) : null;
    const clientId = stringParam(params, 'client_id');
    const hintClient = hint && (!clientId || clientId === hint.clientId) ? await this.applications.findByClientId(tenant.id, hint.clientId) : null;

    const confirmed = req.method === 'POST' && params.confirm === 'yes' && csrfValid(req, params.csrf);
    if (!hintClient && !confirmed) {
      if (!session) return this.views.render(reply, 'logged-out', { ...page, title: t.loggedOutTitle });
      return this.views.render(reply, 'logout-confirm', { ...page, title: t.logoutTitle, action: `${tenant.issuer}/connect/endsession`, csrf: csrfToken(req, reply) });
    }

    const frontChannelUris = session ? await this.end(tenant, session) : [];
    clearSessionCookie(req, reply);

    const redirect = hintClient ? this.postLogoutRedirect(hintClient, params) : undefined;
    if (redirect && frontChannelUris.length === 0) return reply.header('Cache-Control', 'no-store').redirect(redirect, 302);
    return this.views.render(reply, 'logged-out', { ...page, title: t.loggedOutTitle, redirectUri: redirect, frontChannelUris }, { frameSources: frontChannelUris.map((u) => new URL(u).origin) });
  }

  /** Ends the session, tells every participating application, and returns the front-channel URLs to load. */
  private async end(tenant: Tenant, session: SessionEntity): Promise<string[]> {
    if (!(await this.sessions.end(tenant, session))) return [];
    const user = await this.users.findById(tenant.id, session.userId);
    const apps = (await Promise.all((await this.sessions.participants(session)).map((uri) => this.applications.findByClientId(tenant.id, uri)))).filter(
      (a): a is TrustedApplicationEntity => !!a && a.isEnabled,
    );
    if (user) await this.backChannel.notify(tenant, apps, user.login, session.sid);
    return apps
      .filter((a) => a.frontChannelLogoutUri)
      .map((a) => {
        const url = new URL(a.frontChannelLogoutUri!);
        url.searchParams.set('iss', tenant.issuer);
        url.searchParams.set('sid', session.sid);
        return url.toString();
      });
  }

  private postLogoutRedirect(client: TrustedApplicationEntity, params: Record<string, unknown>): string | undefined {
    const uri = stringParam(params, 'post_logout_redirect_uri');
    if (!uri || !isRegisteredUri(uri, parseUriList(client.impersonateLogoutUrl))) return undefined;
    const state = stringParam(params, 'state');
    if (!state) return uri;
    const url = new URL(uri);
    url.searchParams.append('state', state);
    return url.toString();
  }
}
