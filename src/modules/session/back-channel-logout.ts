import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../../common/crypto/clock';
import { randomHexId } from '../../common/crypto/random';
import type { Tenant } from '../../common/tenant/tenant';
import { TokenSigner } from '../keys/token-signer.service';
import type { TrustedApplicationEntity } from '../trusted-applications/trusted-application.entity';

const EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const TIMEOUT_MS = 5_000;

/** OIDC Back-Channel Logout 1.0: a signed logout token POSTed to each application's BackChannelLogoutUri. */
@Injectable()
export class BackChannelLogout {
  private readonly logger = new Logger(BackChannelLogout.name);

  constructor(
    private readonly signer: TokenSigner,
    private readonly clock: Clock,
  ) {}

  async notify(tenant: Tenant, applications: TrustedApplicationEntity[], sub: string, sid: string): Promise<void> {
    const targets = applications.filter((a) => a.backChannelLogoutUri);
    await Promise.allSettled(targets.map((app) => this.send(tenant, app, sub, sid)));
  }

  logoutToken(tenant: Tenant, clientId: string, sub: string, sid: string): Promise<string> {
    const now = this.clock.epochSeconds();
    return this.signer.sign(
      tenant,
      { iss: tenant.issuer, aud: clientId, iat: now, exp: now + 120, jti: randomHexId(16), sub, sid, events: { [EVENT]: {} } },
      'logout+jwt',
    );
  }

  private async send(tenant: Tenant, app: TrustedApplicationEntity, sub: string, sid: string): Promise<void> {
    try {
      const token = await this.logoutToken(tenant, app.applicationUri, sub, sid);
      const res = await fetch(app.backChannelLogoutUri!, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ logout_token: token }).toString(),
        redirect: 'manual',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      if (!res.ok) this.logger.warn(`back-channel logout to ${app.applicationUri} answered ${res.status}`);
    } catch (e) {
      this.logger.warn(`back-channel logout to ${app.applicationUri} failed: ${(e as Error).message}`);
    }
  }
}
