import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { isUniqueViolation } from '../../common/database-errors';
import { Repository } from 'typeorm';
import { ChangeFeed } from '../../common/cache/change-feed.service';
import type { Tenant } from '../../common/tenant/tenant';
import { Transactions } from '../../database/transactions';
import { MailService } from '../mail/mail.service';
import { messages, type Lang } from '../session/i18n';
import { SignInFailuresRepository, userSubject } from '../sign-in-policy/sign-in-failures.repository';
import { PasswordHasher } from '../users/password-hasher';
import { UserEntity } from '../users/user.entity';
import { AccountTokensRepository } from './account-tokens.repository';
import type { PasswordChangeFormDto, ProfileFormDto, RegisterFormDto } from './dto/account.dto';

const VERIFY_TTL_SECONDS = 48 * 3600;
const RESET_TTL_SECONDS = 3600;

/** ERP.net ID personal accounts: registration, email verification, password reset, profile. */
@Injectable()
export class AccountsService {
  private readonly logger = new Logger('Accounts');

  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly tokens: AccountTokensRepository,
    private readonly hasher: PasswordHasher,
    private readonly mail: MailService,
    private readonly changes: ChangeFeed,
    private readonly transactions: Transactions,
    private readonly failures: SignInFailuresRepository,
  ) {}

  /**
   * Creates the account and mails a verification link. An email that already has an account gets
   * a mail saying so instead, and the page answers the same, so registration tells nobody who has an account.
   */
  async register(tenant: Tenant, form: RegisterFormDto, lang: Lang): Promise<void> {
    const email = form.email.toLowerCase();
    const existing = await this.findByEmail(tenant, email);
    if (existing) {
      const reset = await this.resetLink(tenant, existing);
      await this.mail.send({ instanceId: tenant.id, to: email, subject: messages(lang).mailExistsSubject, text: `${messages(lang).mailExistsBody}\n\n${reset}\n`, links: [reset] });
      return;
    }
    let user: UserEntity;
    try {
      user = await this.users.save(
        this.users.create({
          instanceId: tenant.id,
          login: email,
          email,
          name: form.name,
          passwordHash: await this.hasher.hash(form.password),
          userType: 'InternalUser',
          isAdmin: false,
          locale: form.language || lang,
          emailVerified: false,
          active: true,
          phone: form.phone || null,
          company: form.company || null,
          registrationMessage: form.message || null,
        }),
      );
    } catch (e) {
      // Two registrations of one email at the same moment: the unique login index lets one win.
      if (isUniqueViolation(e)) return;
      throw e;
    }
    await this.changes.publish({ topic: 'user', instanceId: tenant.id });
    await this.sendVerification(tenant, user, lang);
  }

  async sendVerification(tenant: Tenant, user: UserEntity, lang: Lang): Promise<void> {
    const token = await this.replaceLinks(tenant, user, 'verify-email', VERIFY_TTL_SECONDS);
    const link = `${tenant.issuer}/account/verify?token=${token}`;
    const t = messages(lang);
    await this.mail.send({ instanceId: tenant.id, to: user.email!, subject: t.mailVerifySubject, text: `${t.mailVerifyBody}\n\n${link}\n`, links: [link] });
  }

  /** True when the link verified an email now. */
  async verifyEmail(tenant: Tenant, token: string): Promise<boolean> {
    // The link is used up only together with the verification it performs.
    const userId = await this.transactions.run(async () => {
      const id = await this.tokens.consume(tenant.id, token, 'verify-email');
      if (id) await this.users.update({ id, instanceId: tenant.id }, { emailVerified: true });
      return id;
    });
    if (!userId) return false;
    await this.changes.publish({ topic: 'user', instanceId: tenant.id });
    return true;
  }

  /** Always answers the same; mails a link only when the account exists. */
  async requestReset(tenant: Tenant, email: string, lang: Lang): Promise<void> {
    const user = await this.findByEmail(tenant, email.toLowerCase());
    if (!user || !user.active) return;
    const link = await this.resetLink(tenant, user);
    const t = messages(lang);
    await this.mail.send({ instanceId: tenant.id, to: user.email!, subject: t.mailResetSubject, text: `${t.mailResetBody}\n\n${link}\n`, links: [link] });
  }

  canReset(tenant: Tenant, token: string): Promise<boolean> {
    return this.tokens.isUsable(tenant.id, token, 'reset-password');
  }

  /**
   * Sets the new password; a reset link also proves the email, so it counts as verified. It also
   * lifts a lockout: whoever guessed at the account does not know the password the owner just chose.
   */
  async resetPassword(tenant: Tenant, token: string, password: string): Promise<boolean> {
    // Hashed before the transaction, which then holds its connection for two statements only.
    if (!(await this.tokens.isUsable(tenant.id, token, 'reset-password'))) return false;
    const passwordHash = await this.hasher.hash(password);
    const userId = await this.transactions.run(async () => {
      const id = await this.tokens.consume(tenant.id, token, 'reset-password');
      if (id) {
        await this.users.update({ id, instanceId: tenant.id }, { passwordHash, emailVerified: true });
        await this.failures.clear(tenant.id, userSubject(id));
      }
      return id;
    });
    if (!userId) return false;
    await this.changes.publish({ topic: 'user', instanceId: tenant.id });
    this.logger.log(`password reset for an account of ${tenant.name}`);
    return true;
  }

  async updateProfile(tenant: Tenant, userId: string, form: ProfileFormDto): Promise<void> {
    await this.users.update(
      { id: userId, instanceId: tenant.id },
      { name: form.name, phone: form.phone || null, company: form.company || null, ...(form.language ? { locale: form.language } : {}) },
    );
    await this.changes.publish({ topic: 'user', instanceId: tenant.id });
  }

  /** False when the current password is wrong. */
  async changePassword(tenant: Tenant, userId: string, form: PasswordChangeFormDto): Promise<boolean> {
    const user = await this.users.createQueryBuilder('u').addSelect('u.passwordHash').where('u.id = :id AND u.instance_id = :i', { id: userId, i: tenant.id }).getOne();
    if (!user || !(await this.hasher.verify(user.passwordHash, form.current_password))) return false;
    await this.users.update({ id: userId, instanceId: tenant.id }, { passwordHash: await this.hasher.hash(form.new_password) });
    await this.changes.publish({ topic: 'user', instanceId: tenant.id });
    return true;
  }

  private async resetLink(tenant: Tenant, user: UserEntity): Promise<string> {
    const token = await this.replaceLinks(tenant, user, 'reset-password', RESET_TTL_SECONDS);
    return `${tenant.issuer}/account/reset?token=${token}`;
  }

  /** A new link and the end of the older ones, together. */
  private replaceLinks(tenant: Tenant, user: UserEntity, purpose: 'verify-email' | 'reset-password', ttlSeconds: number): Promise<string> {
    return this.transactions.run(async () => {
      await this.tokens.invalidate(tenant.id, user.id, purpose);
      return this.tokens.create(tenant.id, user.id, purpose, ttlSeconds);
    });
  }

  private findByEmail(tenant: Tenant, email: string): Promise<UserEntity | null> {
    return this.users.createQueryBuilder('u').where('u.instance_id = :i AND (lower(u.email) = :e OR lower(u.login) = :e)', { i: tenant.id, e: email }).getOne();
  }
}
