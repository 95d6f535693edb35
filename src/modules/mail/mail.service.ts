import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createTransport, type Transporter } from 'nodemailer';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';

export interface Mail {
  instanceId: string | null;
  to: string;
  subject: string;
  text: string;
  /** The links the message carries (verification, reset), listed by the outbox for tests and demos. */
  links: string[];
}

export interface OutboxEntry {
  Id: string;
  To: string;
  Subject: string;
  Body: string;
  Links: string[];
  CreatedAt: Date;
}

/**
 * Sends mail through SMTP_URL (nodemailer); without it, writes each message to the outbox table
 * and the log, so that a demo or a test can follow its links.
 */
@Injectable()
export class MailService {
  private readonly logger = new Logger('Mail');
  private readonly transport?: Transporter;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
  ) {
    // Bounded, so that a hanging mail server never holds a person's request for minutes.
    if (config.smtpUrl) this.transport = createTransport({ url: config.smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 } as never);
  }

  /**
   * Never throws: a mail server that is down must not fail the page that sent the mail (the account
   * exists already; the person can ask for the link again). Returns whether the message went out.
   */
  async send(mail: Mail): Promise<boolean> {
    if (this.transport) {
      try {
        await this.transport.sendMail({ from: this.config.mailFrom, to: mail.to, subject: mail.subject, text: mail.text });
        return true;
      } catch (e) {
        this.logger.warn(`could not send "${mail.subject}" by SMTP: ${(e as Error).message}`);
        return false;
      }
    }
    await this.db.query('INSERT INTO outbox (instance_id, to_address, subject, body, links) VALUES ($1, $2, $3, $4, $5)', [
      mail.instanceId,
      mail.to,
      mail.subject,
      mail.text,
      JSON.stringify(mail.links),
    ]);
    this.logger.log(`(no SMTP_URL) mail to ${mail.to}: ${mail.subject} ${mail.links.join(' ')}`);
    return true;
  }

  async outbox(to: string | undefined, limit = 100): Promise<OutboxEntry[]> {
    const rows: { id: string; to_address: string; subject: string; body: string; links: string[]; created_at: Date }[] = await this.db.query(
      `SELECT id, to_address, subject, body, links, created_at FROM outbox
       WHERE ($1::text IS NULL OR lower(to_address) = lower($1)) ORDER BY created_at DESC, id LIMIT $2`,
      [to ?? null, limit],
    );
    return rows.map((r) => ({ Id: r.id, To: r.to_address, Subject: r.subject, Body: r.body, Links: r.links, CreatedAt: r.created_at }));
  }
}
