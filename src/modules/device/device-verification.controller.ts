import { Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { stringParam } from '@app/oauth-core';
import { formBody } from '../../common/http/form-body';
import { ViewRenderer } from '../../common/http/views';
import { CurrentTenant } from '../../common/tenant/current-tenant.decorator';
import type { Tenant } from '../../common/tenant/tenant';
import { AuditService } from '../audit/audit.service';
import { csrfToken, csrfValid } from '../session/csrf';
import { messages, pickLang, type Lang } from '../session/i18n';
import { displayName } from '../session/display-name';
import { readSignedCookie, SESSION_COOKIE } from '../session/session-cookie';
import { SessionsService } from '../session/sessions.service';
import { UsersService } from '../users/users.service';
import { DeviceAuthorizationService, type PendingDeviceRequest } from './device-authorization.service';

const PATH = '/id/account/device';

/**
 * The verification page of the device authorization grant (RFC 8628 §3.3): the person signs in
 * here (the sign-in page comes back to it), types or follows the code the device shows, sees
 * which application asks, and allows or denies it.
 */
@Controller('id/account')
export class DeviceVerificationController {
  constructor(
    private readonly devices: DeviceAuthorizationService,
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
    private readonly views: ViewRenderer,
    private readonly audit: AuditService,
  ) {}

  @Get('device')
  async page(@CurrentTenant() tenant: Tenant, @Query() query: Record<string, unknown>, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const typed = stringParam(query, 'user_code');
    const lang = pickLang(stringParam(query, 'ui_locales'), req.headers['accept-language']);
    const signedIn = await this.signedIn(tenant, req);
    if (!signedIn) return this.toSignIn(tenant, reply, typed);
    if (typed === undefined) return this.render(tenant, req, reply, lang, {});
    const request = await this.devices.pending(tenant, typed);
    return request ? this.render(tenant, req, reply, lang, { request }) : this.render(tenant, req, reply, lang, { userCode: typed, error: 'deviceUnknownCode', status: 400 });
  }

  @Post('device')
  async submit(@CurrentTenant() tenant: Tenant, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const form = formBody(req);
    const typed = stringParam(form, 'user_code');
    const lang = pickLang(stringParam(form, 'ui_locales'), req.headers['accept-language']);
    const signedIn = await this.signedIn(tenant, req);
    if (!signedIn) return this.toSignIn(tenant, reply, typed);
    if (!csrfValid(req, form.csrf)) {
      const request = await this.devices.pending(tenant, typed);
      return this.render(tenant, req, reply, lang, { request: request ?? undefined, userCode: typed, error: 'csrfFailed', status: 403 });
    }
    const decision = stringParam(form, 'decision');
    if (decision !== 'approve' && decision !== 'deny') return this.render(tenant, req, reply, lang, { userCode: typed, error: 'deviceUnknownCode', status: 400 });

    const { session, user } = signedIn;
    const { answer, request } = await this.devices.answer(tenant, session, user, typed, decision === 'approve');
    const t = messages(lang);
    if (answer === 'unknown') return this.render(tenant, req, reply, lang, { userCode: typed, error: 'deviceUnknownCode', status: 400 });
    if (answer === 'not-allowed') return this.render(tenant, req, reply, lang, { request, error: 'userNotAllowed', status: 403 });
    await this.audit.record({
      instanceId: tenant.id,
      instanceName: tenant.name,
      actor: user.login,
      action: answer === 'approved' ? 'device.approved' : 'device.denied',
      target: request!.application.applicationUri,
      details: { userId: user.id },
      request: req,
    });
    const text = answer === 'approved' ? t.deviceApproved : t.deviceDenied;
    return this.views.render(reply, 'message', { lang, t, title: t.deviceTitle, instanceName: displayName(tenant), heading: t.deviceTitle, text });
  }

  private async signedIn(tenant: Tenant, req: FastifyRequest) {
    const session = await this.sessions.findByCookie(tenant, readSignedCookie(req, SESSION_COOKIE));
    const user = session ? await this.users.findById(tenant.id, session.userId) : null;
    return session && user && user.active ? { session, user } : null;
  }

  /** The sign-in page, which comes back here (with the code) once the person has signed in. */
  private toSignIn(tenant: Tenant, reply: FastifyReply, typed: string | undefined): FastifyReply {
    const back = typed ? `${PATH}?user_code=${encodeURIComponent(typed)}` : PATH;
    return reply.redirect(`${tenant.issuer}/account/login?return=${encodeURIComponent(back)}`, 302);
  }

  private render(
    tenant: Tenant,
    req: FastifyRequest,
    reply: FastifyReply,
    lang: Lang,
    page: { request?: PendingDeviceRequest; userCode?: string; error?: 'deviceUnknownCode' | 'csrfFailed' | 'userNotAllowed'; status?: number },
  ): FastifyReply {
    const t = messages(lang);
    const request = page.request && { userCode: page.request.userCode, applicationName: page.request.application.name || page.request.application.applicationUri, scopes: page.request.scopes };
    return this.views.render(
      reply,
      'device',
      { lang, t, title: t.deviceTitle, instanceName: displayName(tenant), action: `${tenant.issuer}/account/device`, csrf: csrfToken(req, reply), request, userCode: page.userCode, error: page.error && t[page.error] },
      { status: page.status },
    );
  }
}
