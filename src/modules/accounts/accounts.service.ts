import { Injectable, Logger } from '@nestjs/common';
import { canonicalEmail } from '../../common/email';
import { InjectRepository } from '@nestjs/typeorm';
import { isUniqueViolation } from '../../common/database-errors';
import { Repository } from 'typeorm';
import { ChangeFeed } from '../../common/cache/change-feed.service';
import type { Tenant } from '../../common/tenant/tenant';
import { Transactions } from '../../database/transactions';
import { MailService } from '../mail/mail.service';
import { messages, type Lang } from '../session/i18n';
import { PasswordSignIn } from '../sign-in-policy/password-sign-in.service';
import { SignInFailuresRepository, userSubject } from '../sign-in-policy/sign-in-failures.repository';
import { PasswordHasher } from '../users/password-hasher';
import { UserEntity } from '../users/user.entity';
import { EndSessionService } from '../session/end-session.service';
import type { SessionEntity } from '../session/session.entity';
import { SessionsService } from '../session/sessions.service';
import { AccountTokensRepository } from './account-tokens.repository';
import type { PasswordChangeFormDto, ProfileFormDto, RegisterFormDto } from './dto/account.dto';

export const VERIFY_TTL_SECONDS = 48 * 3600;
const RESET_TTL_SECONDS = 3600;
/** At most one verification or reset mail a minute to one account, whoever asks. */
const MAIL_COOLDOWN_SECONDS = 60;

/** A link for an account deactivated meanwhile: refused, and nothing changes (the transaction rolls back). */
class LinkRefused extends Error {}

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
    private readonly passwordSignIn: PasswordSignIn,
    private readonly sessions: SessionsService,
    private readonly endSession: EndSessionService,
  ) {}

  /**
   * Creates the account and mails a verification link. An email that already has an account gets
   * a mail saying so instead, and the page answers the same, so registration tells nobody who has an account.
   */
  /** The new account's id; undefined when the address had one already (which gets a reset mail instead). */
  async register(tenant: Tenant, form: RegisterFormDto, lang: Lang): Promise<string | undefined> {
    // Validated as an address already; one spelling per mailbox (common/email.ts).
    const email = canonicalEmail(form.email) ?? form.email.toLowerCase();
    const existing = await this.findByEmail(tenant, email);
    if (existing) {
      // As long as a new account takes (its password is hashed), so that the time does not tell.
      await this.hasher.hash(form.password);
      // A deactivated account gets no link at all (as forgot-password sends none).
      if (!existing.active) return undefined;
      const reset = await this.resetLink(tenant, existing);
      if (!reset) return undefined;
      await this.mail.send({ instanceId: tenant.id, to: email, subject: messages(lang).mailExistsSubject, text: `${messages(lang).mailExistsBody}\n\n${reset}\n`, links: [reset] });
      return undefined;
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
      if (isUniqueViolation(e)) return undefined;
      throw e;
    }
    await this.changes.publish({ topic: 'user', instanceId: tenant.id });
    await this.sendVerification(tenant, user, lang);
    return user.id;
  }

  async sendVerification(tenant: Tenant, user: UserEntity, lang: Lang): Promise<void> {
    const token = await this.newLink(tenant, user, 'verify-email', VERIFY_TTL_SECONDS);
    if (!token) return;
    const link = `${tenant.issuer}/account/verify?token=${token}`;
    const t = messages(lang);
    await this.mail.send({ instanceId: tenant.id, to: user.email!, subject: t.mailVerifySubject, text: `${t.mailVerifyBody}\n\n${link}\n`, links: [link] });
  }

  /** The account the link would verify now; null when it would verify none. */
  verifiableAccount(tenant: Tenant, token: string): Promise<string | null> {
    return this.tokens.userOf(tenant.id, token, 'verify-email');
  }

  /**
   * Verifies the address when the link (the mailbox) and the person who registered come together:
   * the account's password, or `'registrant'`, the browser that registered the account (its signed
   * registrant cookie, checked by the caller). the owner of a mailbox that someone else registered cannot confirm
   * that stranger's account by following the mail (they take it over with a password reset
   * instead), and the registrant cannot confirm without the mail. Wrong passwords count toward
   * the sign-in lockout. Proving the mailbox ends every other session of the account (keeping
   * `currentSessionId`, the browser that confirmed, if it is the account's).
   */
  async verifyEmail(tenant: Tenant, token: string, proof: { password: string } | 'registrant', currentSessionId?: string): Promise<'verified' | 'wrong-password' | 'invalid-link'> {
    const owner = await this.tokens.userOf(tenant.id, token, 'verify-email');
    const user = owner && (await this.withPasswordHash(tenant, owner));
    if (!user || !user.active) return 'invalid-link';
    if (proof !== 'registrant' && !(await this.passwordSignIn.verifyKnown(tenant, user, proof.password))) return 'wrong-password';
    // The link is used up only together with the verification it performs, and only for an active account.
    let ended: SessionEntity[] = [];
    const userId = await this.transactions.run(async () => {
      const id = await this.tokens.consume(tenant.id, token, 'verify-email');
      if (!id) return null;
      const { affected } = await this.users.update({ id, instanceId: tenant.id, active: true }, { emailVerified: true });
      if (!affected) throw new LinkRefused();
      ended = await this.signOutEverywhere(tenant, id, currentSessionId);
      return id;
    }).catch((e: unknown) => (e instanceof LinkRefused ? null : Promise.reject(e)));
    if (!userId) return 'invalid-link';
    await this.changes.publish({ topic: 'user', instanceId: tenant.id });
    await this.announce(tenant, ended);
    return 'verified';
  }

  /** Always answers the same; mails a link only when the account exists. */
  async requestReset(tenant: Tenant, email: string, lang: Lang): Promise<void> {
    const user = await this.findByEmail(tenant, canonicalEmail(email) ?? email.toLowerCase());
    if (!user || !user.active) return;
    const link = await this.resetLink(tenant, user);
    if (!link) return;
    const t = messages(lang);
    await this.mail.send({ instanceId: tenant.id, to: user.email!, subject: t.mailResetSubject, text: `${t.mailResetBody}\n\n${link}\n`, links: [link] });
  }

  canReset(tenant: Tenant, token: string): Promise<boolean> {
    return this.tokens.isUsable(tenant.id, token, 'reset-password');
  }

  /**
   * Sets the new password; a reset link also proves the email, so it counts as verified. It also
   * lifts a lockout: whoever guessed at the account does not know the password the owner just chose.
   * Every session of the account ends, and its other reset links: the old password, and whoever
   * held it, are out.
   */
  async resetPassword(tenant: Tenant, token: string, password: string): Promise<boolean> {
    // Hashed before the transaction, which then holds its connection for a few statements only.
    if (!(await this.tokens.isUsable(tenant.id, token, 'reset-password'))) return false;
    const passwordHash = await this.hasher.hash(password);
    let ended: SessionEntity[] = [];
    const userId = await this.transactions.run(async () => {
      const id = await this.tokens.consume(tenant.id, token, 'reset-password');
      if (!id) return null;
      const { affected } = await this.users.update({ id, instanceId: tenant.id, active: true }, { passwordHash, emailVerified: true });
      if (!affected) throw new LinkRefused();
      await this.failures.clear(tenant.id, userSubject(id));
      await this.tokens.invalidate(tenant.id, id, 'reset-password');
      ended = await this.signOutEverywhere(tenant, id);
      return id;
    }).catch((e: unknown) => (e instanceof LinkRefused ? null : Promise.reject(e)));
    if (!userId) return false;
    await this.changes.publish({ topic: 'user', instanceId: tenant.id });
    await this.announce(tenant, ended);
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

  /**
   * False when the current password is wrong. Guesses count toward the sign-in lockout (the same
   * counter as the sign-in form), and a locked account is refused even with the right password.
   * A change ends the account's other sessions and its unused reset links.
   */
  async changePassword(tenant: Tenant, userId: string, form: PasswordChangeFormDto, currentSessionId: string): Promise<boolean> {
    const user = await this.withPasswordHash(tenant, userId);
    if (!user || !(await this.passwordSignIn.verifyKnown(tenant, user, form.current_password))) return false;
    const passwordHash = await this.hasher.hash(form.new_password);
    const ended = await this.transactions.run(async () => {
      await this.users.update({ id: userId, instanceId: tenant.id }, { passwordHash });
      await this.tokens.invalidate(tenant.id, userId, 'reset-password');
      return this.signOutEverywhere(tenant, userId, currentSessionId);
    });
    await this.changes.publish({ topic: 'user', instanceId: tenant.id });
    await this.announce(tenant, ended);
    return true;
  }

  /** The reset link, or undefined when one went to this account less than MAIL_COOLDOWN_SECONDS ago. */
  private async resetLink(tenant: Tenant, user: UserEntity): Promise<string | undefined> {
    const token = await this.newLink(tenant, user, 'reset-password', RESET_TTL_SECONDS);
    return token && `${tenant.issuer}/account/reset?token=${token}`;
  }

  /**
   * A new link, unless one of this purpose went to the account less than MAIL_COOLDOWN_SECONDS ago
   * (so that nobody can bomb a mailbox through the forms). Older links stay valid until they
   * expire or one of them is used: a stranger asking for links cannot void the owner's.
   */
  private async newLink(tenant: Tenant, user: UserEntity, purpose: 'verify-email' | 'reset-password', ttlSeconds: number): Promise<string | undefined> {
    if (await this.tokens.madeWithin(tenant.id, user.id, purpose, MAIL_COOLDOWN_SECONDS)) return undefined;
    return this.tokens.create(tenant.id, user.id, purpose, ttlSeconds, user.email!);
  }

  /**
   * Ends the account's sessions here (but `keepSessionId`'s) and revokes its refresh tokens, so
   * that nobody signed in with an old password or before the owner proved the mailbox goes on.
   * Returns the sessions ended, whose applications (instances signed in through ERP.net ID among
   * them) are told by back-channel logout once the transaction has committed (`announce`).
   */
  private async signOutEverywhere(tenant: Tenant, userId: string, keepSessionId?: string): Promise<SessionEntity[]> {
    const ended = await this.sessions.endAllOf(tenant.id, userId, keepSessionId);
    await this.users.query('UPDATE refresh_tokens SET revoked_at = now() WHERE instance_id = $1 AND user_id = $2 AND revoked_at IS NULL', [tenant.id, userId]);
    return ended;
  }

  /** Back-channel logout for the sessions signOutEverywhere ended: after the commit, never inside it. */
  private announce(tenant: Tenant, ended: readonly SessionEntity[]): Promise<void> {
    return this.endSession.announceEnded(tenant, ended);
  }

  /** The account with its password hash (not selected by default), for PasswordSignIn.verifyKnown. */
  private withPasswordHash(tenant: Tenant, userId: string): Promise<UserEntity | null> {
    return this.users.createQueryBuilder('u').addSelect('u.passwordHash').where('u.id = :id AND u.instance_id = :i', { id: userId, i: tenant.id }).getOne();
  }

    private findByEmail(tenant: Tenant, email: string): Promise<UserEntity | null> {
    return this.users.createQueryBuilder('u').where('u.instance_id = :i AND (lower(u.email) = :e OR lower(u.login) = :e)', { i: tenant.id, e: email }).getOne();
  }
}
