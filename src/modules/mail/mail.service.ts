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
    if (config.smtpUrl) this.transport = createTransport(config.smtpUrl);
  }

  async send(mail: Mail): Promise<void> {
    if (this.transport) {
      await this.transport.sendMail({ from: this.config.mailFrom, to: mail.to, subject: mail.subject, text: mail.text });
      return;
    }
    await this.db.query('INSERT INTO outbox (instance_id, to_address, subject, body, links) VALUES ($1, $2, $3, $4, $5)', [
      mail.instanceId,
      mail.to,
      mail.subject,
      mail.text,
      JSON.stringify(mail.links),
    ]);
    this.logger.log(`(no SMTP_URL) mail to ${mail.to}: ${mail.subject} ${mail.links.join(' ')}`);
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
