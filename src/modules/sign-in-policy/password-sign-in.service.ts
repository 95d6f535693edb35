import { createHmac } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { deriveSecret } from '../../common/crypto/derived-secret';
import type { Tenant } from '../../common/tenant/tenant';
import type { UserEntity } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { SignInFailuresRepository, userSubject } from './sign-in-failures.repository';

/**
 * Checks a username and password under the instance's sign-in policy (SignInMaxFailures failed
 * passwords within SignInLockoutSeconds lock for SignInLockoutSeconds; a success resets).
 *
 * The answer is the user, or null for every kind of refusal: unknown name, wrong password, or a
 * locked account even with the right password. The caller shows one message for null, so a lock
 * is never announced (as Keycloak's brute-force detection does by default), and the steps are the
 * same on every path: one lookup, one lock check, one password hash (a dummy one for an unknown
 * name), one counter update.
 *
 * Unknown names are counted too, under an HMAC of the name (never the name itself: people type
 * passwords into the username field). Not counting them would also answer alike, since a lock
 * is silent; counting them keeps even the database work the same for both, so timing tells
 * nothing, and lets a name that does not exist "lock" just like one that does.
 */
@Injectable()
export class PasswordSignIn {
  private readonly subjectKey: Buffer;

  constructor(
    private readonly users: UsersService,
    private readonly failures: SignInFailuresRepository,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.subjectKey = deriveSecret(config.keyEncryptionKey, 'sign-in-failures');
  }

  async verify(tenant: Tenant, username: string, password: string): Promise<UserEntity | null> {
    const user = await this.users.findForSignIn(tenant.id, username);
    const subject = user ? userSubject(user.id) : this.unknownSubject(tenant.id, username);
    return (await this.underPolicy(tenant, subject, user, password)) ? user : null;
  }

  /**
   * The password of a user already known (with its hash loaded), such as the profile form's current
   * password: under the same count and lock as the sign-in form, so guessing there locks too.
   */
  verifyKnown(tenant: Tenant, user: UserEntity, password: string): Promise<boolean> {
    return this.underPolicy(tenant, userSubject(user.id), user, password);
  }

  private async underPolicy(tenant: Tenant, subject: string, user: UserEntity | null, password: string): Promise<boolean> {
    const { SignInMaxFailures: maxFailures, SignInLockoutSeconds: lockoutSeconds } = tenant.settings;
    const state = maxFailures > 0 ? await this.failures.lockState(tenant.id, subject) : undefined;
    // Always hashed, even when locked or unknown: the time taken must not tell which it was.
    const passwordOk = await this.users.verifyPassword(user, password);
    if (user && passwordOk && state !== 'locked') {
      // A success resets the count; with none counted (the usual case) there is nothing to write.
      if (state !== 'none') await this.failures.clear(tenant.id, subject);
      return true;
    }
    if (maxFailures > 0) await this.failures.recordFailure(tenant.id, subject, user?.id ?? null, maxFailures, lockoutSeconds);
    return false;
  }

  private unknownSubject(instanceId: string, username: string): string {
    const normalized = username.trim().toLowerCase();
    return `login:${createHmac('sha256', this.subjectKey).update(`${instanceId}\0${normalized}`).digest('base64url')}`;
  }
}
