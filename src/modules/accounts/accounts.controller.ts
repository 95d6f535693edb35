import { Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { passwordProblem } from './password-policy';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { stringParam } from '@app/oauth-core';
import { validateForm } from '../../common/http/validate-form';
import { ViewRenderer } from '../../common/http/views';
import { CurrentTenant } from '../../common/tenant/current-tenant.decorator';
import type { Tenant } from '../../common/tenant/tenant';
import { AuthorizeService } from '../authorize/authorize.service';
import { csrfToken, csrfValid } from '../session/csrf';
import { messages, pickLang, type Lang, type Messages } from '../session/i18n';
import { readSignedCookie, REGISTRANT_COOKIE, SESSION_COOKIE, setRegistrantCookie } from '../session/session-cookie';
import { SessionsService } from '../session/sessions.service';
import { UsersService } from '../users/users.service';
import { AccountsService, VERIFY_TTL_SECONDS } from './accounts.service';
import { PasswordChangeFormDto, ProfileFormDto, RegisterFormDto } from './dto/account.dto';

type Form = Record<string, unknown>;
const body = (req: FastifyRequest): Form => (req.body && typeof req.body === 'object' ? (req.body as Form) : {});

/** The pages of ERP.net ID accounts, served by the Global authority only. */
@Controller('id/account')
export class AccountsController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly authorize: AuthorizeService,
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
    private readonly views: ViewRenderer,
  ) {}

  @Get('register')
  registerPage(@CurrentTenant() tenant: Tenant, @Query() query: Form, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const lang = this.lang(req, query);
    if (tenant.type !== 'Global') return this.notFound(tenant, reply, lang);
    return this.renderRegister(tenant, req, reply, lang, stringParam(query, 'request'), { language: lang }, new Set());
  }

  @Post('register')
  async register(@CurrentTenant() tenant: Tenant, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const form = body(req);
    const lang = this.lang(req, form);
    if (tenant.type !== 'Global') return this.notFound(tenant, reply, lang);
    const request = stringParam(form, 'request');
    if (!csrfValid(req, form.csrf)) return this.renderRegister(tenant, req, reply, lang, request, form, new Set(), 'csrfFailed', 403);
    const { value, invalid } = validateForm(RegisterFormDto, form);
    if (!invalid.has('password') && passwordProblem(value.password, value.email)) invalid.add('password');
    if (invalid.size) return this.renderRegister(tenant, req, reply, lang, request, form, invalid, 'fieldInvalid', 400);
    const created = await this.accounts.register(tenant, value, (value.language as Lang) || lang);
    // Always set, a random id when the address had an account, so that the answer tells nothing.
    setRegistrantCookie(req, reply, `${tenant.id}.${created ?? randomUUID()}`, VERIFY_TTL_SECONDS);
    const t = messages(lang);
    return this.message(reply, lang, { heading: t.registeredTitle, text: t.registeredText, link: { url: this.loginUrl(tenant, request), label: t.signIn } });
  }

  /**
   * The link from the mail. Opened in the browser that registered the account, it confirms the
   * address at once (the mailbox and the registrant together). Anywhere else (the owner of a
   * mailbox someone else registered, a mail scanner following links) it changes nothing and asks
   * for the account's password.
   */
  @Get('verify')
  async verifyPage(@CurrentTenant() tenant: Tenant, @Query() query: Form, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const lang = this.lang(req, query);
    if (tenant.type !== 'Global') return this.notFound(tenant, reply, lang);
    const token = stringParam(query, 'token');
    const account = token ? await this.accounts.verifiableAccount(tenant, token) : null;
    if (!token || !account) return this.linkInvalid(reply, lang);
    if (readSignedCookie(req, REGISTRANT_COOKIE) !== `${tenant.id}.${account}`) return this.renderVerify(tenant, req, reply, lang, token);
    const session = await this.sessions.findByCookie(tenant, readSignedCookie(req, SESSION_COOKIE));
    if ((await this.accounts.verifyEmail(tenant, token, 'registrant', session?.id)) !== 'verified') return this.linkInvalid(reply, lang);
    return this.verified(tenant, reply, lang);
  }

  @Post('verify')
  async verify(@CurrentTenant() tenant: Tenant, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const form = body(req);
    const lang = this.lang(req, form);
    if (tenant.type !== 'Global') return this.notFound(tenant, reply, lang);
    const token = stringParam(form, 'token');
    const password = stringParam(form, 'password');
    if (!token) return this.linkInvalid(reply, lang);
    if (!csrfValid(req, form.csrf)) return this.renderVerify(tenant, req, reply, lang, token, 'csrfFailed', 403);
    if (!password || password.length > 1024) return this.renderVerify(tenant, req, reply, lang, token, 'missingCredentials', 400);
    const session = await this.sessions.findByCookie(tenant, readSignedCookie(req, SESSION_COOKIE));
    const outcome = await this.accounts.verifyEmail(tenant, token, { password }, session?.id);
    if (outcome === 'wrong-password') return this.renderVerify(tenant, req, reply, lang, token, 'invalidCredentials', 401);
    if (outcome === 'invalid-link') return this.linkInvalid(reply, lang);
    return this.verified(tenant, reply, lang);
  }

  private renderVerify(tenant: Tenant, req: FastifyRequest, reply: FastifyReply, lang: Lang, token: string, error?: keyof Messages, status = 200) {
    const t = messages(lang);
    return this.views.render(
      reply,
      'verify',
      { ...this.page(tenant, lang, t.verifyTitle), action: `${tenant.issuer}/account/verify`, csrf: csrfToken(req, reply), token, error: error && t[error] },
      { status },
    );
  }

  @Get('forgot')
  forgotPage(@CurrentTenant() tenant: Tenant, @Query() query: Form, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const lang = this.lang(req, query);
    if (tenant.type !== 'Global') return this.notFound(tenant, reply, lang);
    return this.views.render(reply, 'forgot', { ...this.page(tenant, lang, messages(lang).forgotTitle), action: `${tenant.issuer}/account/forgot`, csrf: csrfToken(req, reply) });
  }

  @Post('forgot')
  async forgot(@CurrentTenant() tenant: Tenant, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const form = body(req);
    const lang = this.lang(req, form);
    const t = messages(lang);
    if (tenant.type !== 'Global') return this.notFound(tenant, reply, lang);
    if (!csrfValid(req, form.csrf)) {
      return this.views.render(reply, 'forgot', { ...this.page(tenant, lang, t.forgotTitle), action: `${tenant.issuer}/account/forgot`, csrf: csrfToken(req, reply), error: t.csrfFailed }, { status: 403 });
    }
    const email = stringParam(form, 'email');
    if (email && email.length <= 320) await this.accounts.requestReset(tenant, email, lang);
    return this.message(reply, lang, { heading: t.forgotTitle, text: t.forgotSentText });
  }

  @Get('reset')
  async resetPage(@CurrentTenant() tenant: Tenant, @Query() query: Form, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const lang = this.lang(req, query);
    if (tenant.type !== 'Global') return this.notFound(tenant, reply, lang);
    const t = messages(lang);
    const token = stringParam(query, 'token');
    if (!token || !(await this.accounts.canReset(tenant, token))) return this.linkInvalid(reply, lang);
    return this.views.render(reply, 'reset', { ...this.page(tenant, lang, t.resetTitle), action: `${tenant.issuer}/account/reset`, csrf: csrfToken(req, reply), token });
  }

  @Post('reset')
  async reset(@CurrentTenant() tenant: Tenant, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const form = body(req);
    const lang = this.lang(req, form);
    if (tenant.type !== 'Global') return this.notFound(tenant, reply, lang);
    const t = messages(lang);
    const token = stringParam(form, 'token');
    const password = stringParam(form, 'password');
    const again = (error: keyof Messages, status: number) =>
      this.views.render(reply, 'reset', { ...this.page(tenant, lang, t.resetTitle), action: `${tenant.issuer}/account/reset`, csrf: csrfToken(req, reply), token, error: t[error] }, { status });
    if (!csrfValid(req, form.csrf)) return again('csrfFailed', 403);
    if (!password || passwordProblem(password)) return again('newPasswordHint', 400);
    if (!token || !(await this.accounts.resetPassword(tenant, token, password))) return this.linkInvalid(reply, lang);
    return this.message(reply, lang, { heading: t.resetTitle, text: t.resetDoneText, link: { url: this.loginUrl(tenant, undefined), label: t.signIn } });
  }

  @Get('profile')
  async profilePage(@CurrentTenant() tenant: Tenant, @Query() query: Form, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const lang = this.lang(req, query);
    if (tenant.type !== 'Global') return this.notFound(tenant, reply, lang);
    return this.renderProfile(tenant, req, reply, lang);
  }

  @Post('profile')
  async profile(@CurrentTenant() tenant: Tenant, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const form = body(req);
    const lang = this.lang(req, form);
    if (tenant.type !== 'Global') return this.notFound(tenant, reply, lang);
    const session = await this.sessions.findByCookie(tenant, readSignedCookie(req, SESSION_COOKIE));
    if (!session) return reply.redirect(this.loginUrl(tenant, undefined), 303);
    if (!csrfValid(req, form.csrf)) return this.renderProfile(tenant, req, reply, lang, { error: 'csrfFailed', status: 403 });
    switch (form.action) {
      case 'password': {
        const { value, invalid } = validateForm(PasswordChangeFormDto, form);
        if (invalid.size || passwordProblem(value.new_password)) return this.renderProfile(tenant, req, reply, lang, { error: 'newPasswordHint', status: 400 });
        const changed = await this.accounts.changePassword(tenant, session.userId, value, session.id);
        return this.renderProfile(tenant, req, reply, lang, changed ? { notice: 'passwordChanged' } : { error: 'wrongPassword', status: 400 });
      }
      case 'resend': {
        const user = await this.users.findById(tenant.id, session.userId);
        if (user?.email && !user.emailVerified) await this.accounts.sendVerification(tenant, user, lang);
        return this.renderProfile(tenant, req, reply, lang, { notice: 'registeredTitle' });
      }
      default: {
        const { value, invalid } = validateForm(ProfileFormDto, form);
        if (invalid.size) return this.renderProfile(tenant, req, reply, lang, { error: 'fieldInvalid', status: 400, invalid });
        await this.accounts.updateProfile(tenant, session.userId, value);
        return this.renderProfile(tenant, req, reply, lang, { notice: 'profileSaved' });
      }
    }
  }

  private async renderProfile(tenant: Tenant, req: FastifyRequest, reply: FastifyReply, lang: Lang, state: { notice?: keyof Messages; error?: keyof Messages; status?: number; invalid?: Set<string> } = {}) {
    const session = await this.sessions.findByCookie(tenant, readSignedCookie(req, SESSION_COOKIE));
    const user = session ? await this.users.findById(tenant.id, session.userId) : null;
    if (!session || !user) return reply.redirect(this.loginUrl(tenant, undefined, `${tenant.issuer}/account/profile`), 303);
    const t = messages(lang);
    return this.views.render(
      reply,
      'profile',
      {
        ...this.page(tenant, lang, t.profileTitle),
        action: `${tenant.issuer}/account/profile`,
        csrf: csrfToken(req, reply),
        user,
        notice: state.notice ? t[state.notice] : undefined,
        error: state.error ? t[state.error] : undefined,
        invalid: Object.fromEntries([...(state.invalid ?? [])].map((k) => [k, true])),
      },
      { status: state.status },
    );
  }

  private renderRegister(tenant: Tenant, req: FastifyRequest, reply: FastifyReply, lang: Lang, request: string | undefined, form: Form, invalid: Set<string>, error?: keyof Messages, status?: number) {
    const t = messages(lang);
    const { password: _password, csrf: _csrf, ...shown } = form;
    return this.views.render(
      reply,
      'register',
      {
        ...this.page(tenant, lang, t.registerTitle),
        action: `${tenant.issuer}/account/register`,
        csrf: csrfToken(req, reply),
        request: request && this.authorize.openPending(request) ? request : undefined,
        form: shown,
        invalid: Object.fromEntries([...invalid].map((k) => [k, true])),
        error: error ? t[error] : undefined,
        loginUrl: this.loginUrl(tenant, request),
      },
      { status },
    );
  }

  private loginUrl(tenant: Tenant, request: string | undefined, returnTo?: string): string {
    const params = new URLSearchParams();
    if (request) params.set('request', request);
    if (returnTo) params.set('return', returnTo);
    const q = params.toString();
    return `${tenant.issuer}/account/login${q ? `?${q}` : ''}`;
  }

  private message(reply: FastifyReply, lang: Lang, content: { heading: string; text: string; isError?: boolean; link?: { url: string; label: string } }, status?: number) {
    return this.views.render(reply, 'message', { lang, t: messages(lang), title: content.heading, instanceName: 'ERP.net ID', ...content }, { status });
  }

  /** A verification or reset link that is unknown, used, expired, or for an address the account no longer has. */
  private linkInvalid(reply: FastifyReply, lang: Lang) {
    const t = messages(lang);
    return this.message(reply, lang, { heading: t.errorTitle, text: t.linkInvalid, isError: true }, 400);
  }

  private verified(tenant: Tenant, reply: FastifyReply, lang: Lang) {
    const t = messages(lang);
    return this.message(reply, lang, { heading: t.verifiedTitle, text: t.verifiedText, link: { url: `${tenant.issuer}/account/profile`, label: t.profileTitle } });
  }

  private notFound(tenant: Tenant, reply: FastifyReply, lang: Lang) {
    const t = messages(lang);
    return this.views.render(reply, 'message', { lang, t, title: t.errorTitle, instanceName: tenant.name, heading: t.errorTitle, text: 'Not found', isError: true }, { status: 404 });
  }

  private page(tenant: Tenant, lang: Lang, title: string) {
    return { lang, t: messages(lang), title, instanceName: tenant.name };
  }

  private lang(req: FastifyRequest, input: Form): Lang {
    return pickLang(stringParam(input, 'lang') ?? stringParam(input, 'ui_locales'), req.headers['accept-language']);
  }
}
