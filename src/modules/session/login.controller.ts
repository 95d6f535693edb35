import { Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { stringParam } from '@app/oauth-core';
import { formBody } from '../../common/http/form-body';
import { ViewRenderer } from '../../common/http/views';
import { CurrentTenant } from '../../common/tenant/current-tenant.decorator';
import type { Tenant } from '../../common/tenant/tenant';
import { AuditService } from '../audit/audit.service';
import { AuthorizeService, type PendingAuthorization } from '../authorize/authorize.service';
import type { ValidatedAuthorizeRequest } from '../authorize/authorize.types';
import { providerLinks } from '../federation/external-providers';
import { PasswordSignIn } from '../sign-in-policy/password-sign-in.service';
import { canSignIn, signInRefusal } from '../users/sign-in-policy';
import { csrfToken, csrfValid } from './csrf';
import { messages, pickLang, type Lang, type Messages } from './i18n';
import { readSignedCookie, SESSION_COOKIE, setSessionCookie } from './session-cookie';
import { displayName } from './display-name';
import { EndSessionService } from './end-session.service';
import { SessionsService } from './sessions.service';


interface LoginForm {
  username?: string;
  error?: keyof Messages;
  status?: number;
  /** Where to go once signed in, when no authorization is pending (see accountPageToReturnTo). */
  returnTo?: string;
}

/**
 * `return`, when it names one of this instance's own account pages (the profile sends people here
 * with it): its path and query. Anything else (another origin, another path) is ignored, so that
 * the sign-in page redirects nowhere else.
 */
export function accountPageToReturnTo(tenant: Tenant, value: string | undefined): string | undefined {
  if (!value) return undefined;
  let url: URL;
  try {
    url = new URL(value, tenant.origin);
  } catch {
    return undefined;
  }
  return url.origin === tenant.origin && url.pathname.startsWith('/id/account/') && !url.pathname.startsWith('/id/account/login') ? url.pathname + url.search : undefined;
}

/** The sign-in page: username or email and password; on success it completes the pending authorization. */
@Controller('id/account')
export class LoginController {
  constructor(
    private readonly authorize: AuthorizeService,
    private readonly passwordSignIn: PasswordSignIn,
    private readonly sessions: SessionsService,
    private readonly views: ViewRenderer,
    private readonly endSession: EndSessionService,
    private readonly audit: AuditService,
  ) {}

  @Get('login')
  async page(@CurrentTenant() tenant: Tenant, @Query() query: Record<string, unknown>, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const sealed = stringParam(query, 'request');
    const pending = this.authorize.openPending(sealed);
    // A request parameter that is not one sealed by us (repeated, forged, expired) is an expired sign-in.
    if (query.request !== undefined && !pending) return this.expired(tenant, req, reply, this.lang(req, query, undefined));
    const lang = this.lang(req, query, pending);
    const error = stringParam(query, 'reason') === 'not-allowed' ? 'userNotAllowed' : undefined;
    const validated = pending ? await this.authorize.validate(tenant, pending.params) : undefined;
    const returnTo = validated ? undefined : accountPageToReturnTo(tenant, stringParam(query, 'return'));
    return this.render(tenant, req, reply, lang, sealed, validated, { username: this.authorize.suggestedUsername(tenant, validated), error, status: error ? 403 : undefined, returnTo });
  }

  @Post('login')
  async submit(@CurrentTenant() tenant: Tenant, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    // An HTML form posts application/x-www-form-urlencoded; anything else is refused (the error page).
    const form = formBody(req);
    const sealed = stringParam(form, 'request');
    const pending = this.authorize.openPending(sealed);
    const lang = this.lang(req, form, pending);
    if (form.request !== undefined && !pending) return this.expired(tenant, req, reply, lang);
    // Re-validated: the application may have been disabled while the person was typing.
    const validated = pending ? await this.authorize.validate(tenant, pending.params) : undefined;
    const username = stringParam(form, 'username')?.trim();
    const password = stringParam(form, 'password');
    const returnTo = validated ? undefined : accountPageToReturnTo(tenant, stringParam(form, 'return'));

    if (!csrfValid(req, form.csrf)) return this.render(tenant, req, reply, lang, sealed, validated, { username, error: 'csrfFailed', status: 403, returnTo });
    // No login holds control characters (a NUL could not even be looked up): malformed, like a missing one.
    if (!username || !password || username.length > 320 || password.length > 1024 || /[\u0000-\u001f\u007f]/.test(username)) {
      return this.render(tenant, req, reply, lang, sealed, validated, { username, error: 'missingCredentials', status: 400, returnTo });
    }

    // Null for an unknown name, a wrong password and a locked account alike (one message for all).
    const user = await this.passwordSignIn.verify(tenant, username, password);
    if (!user) {
      await this.audit.signInFailed(tenant, req, username, 'invalid_credentials');
      return this.render(tenant, req, reply, lang, sealed, validated, { username, error: 'invalidCredentials', status: 401, returnTo });
    }
    if (!canSignIn(user) || (validated && signInRefusal(validated.client, user))) {
      await this.audit.signInFailed(tenant, req, username, 'not_allowed');
      return this.render(tenant, req, reply, lang, sealed, validated, { username, error: 'userNotAllowed', status: 403, returnTo });
    }

    // The same person signing in again (prompt=login, max_age) keeps the session and its sid;
    // anyone else replaces the session this browser had here.
    const previous = await this.sessions.findByCookie(tenant, readSignedCookie(req, SESSION_COOKIE));
    let session;
    if (previous && previous.userId === user.id) {
      session = await this.sessions.reauthenticate(tenant, previous, ['pwd']);
    } else {
      // Ended with its single sign-out, so the applications of the replaced session learn of it.
      if (previous) await this.endSession.end(tenant, previous, req);
      const created = await this.sessions.create(tenant, { userId: user.id, amr: ['pwd'], idp: 'local' });
      session = created.session;
      setSessionCookie(req, reply, created.cookieValue, tenant.settings.SessionAbsoluteLifetime);
    }

    await this.audit.signInSucceeded(tenant, req, user, 'pwd');
    if (validated) return this.authorize.respond(tenant, validated, session, user, reply, lang);
    if (returnTo) return reply.header('Cache-Control', 'no-store').redirect(`${tenant.origin}${returnTo}`, 303);
    return this.views.render(reply, 'signed-in', { lang, t: messages(lang), title: messages(lang).signedInTitle, instanceName: displayName(tenant), userName: user.name });
  }

  private render(tenant: Tenant, req: FastifyRequest, reply: FastifyReply, lang: Lang, sealed: string | undefined, validated: ValidatedAuthorizeRequest | undefined, form: LoginForm) {
    const t = messages(lang);
    const base = `${tenant.issuer}/account/login${sealed ? `?request=${encodeURIComponent(sealed)}&` : '?'}`;
    return this.views.render(
      reply,
      'login',
      {
        lang,
        t,
        title: t.signInTitle,
        instanceName: displayName(tenant),
        clientName: validated?.client.name,
        action: `${tenant.issuer}/account/login`,
        csrf: csrfToken(req, reply),
        request: sealed,
        returnTo: form.returnTo,
        username: form.username,
        error: form.error ? t[form.error] : undefined,
        langLinks: { en: `${base}lang=en`, bg: `${base}lang=bg` },
        externalProviders: providerLinks(tenant, sealed, t),
        accountLinks:
          tenant.type === 'Global'
            ? { register: `${tenant.issuer}/account/register${sealed ? `?request=${encodeURIComponent(sealed)}` : ''}`, forgot: `${tenant.issuer}/account/forgot` }
            : undefined,
      },
      { status: form.status },
    );
  }

  private expired(tenant: Tenant, req: FastifyRequest, reply: FastifyReply, lang: Lang) {
    const t = messages(lang);
    return this.views.render(reply, 'error', { lang, t, title: t.errorTitle, instanceName: displayName(tenant), message: t.sessionExpired }, { status: 400 });
  }

  /** An explicit choice on the page wins, then the request's ui_locales, then the browser. */
  private lang(req: FastifyRequest, input: Record<string, unknown>, pending: PendingAuthorization | undefined): Lang {
    const chosen = stringParam(input, 'lang');
    return pickLang([chosen, pending?.params.ui_locales].filter(Boolean).join(' ') || undefined, req.headers['accept-language']);
  }
}
