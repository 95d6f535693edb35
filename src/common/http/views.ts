import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import Handlebars from 'handlebars';

const VIEWS_DIR = join(__dirname, '..', '..', 'views');

/**
 * Renders the handlebars pages (one folder, one layout). Every page gets a fresh CSP nonce for its
 * inline style and script, is never framed (the seed: sign-in is not embedded in iframes), and is never cached.
 */
@Injectable()
export class ViewRenderer {
  private readonly hbs = Handlebars.create();
  private readonly templates = new Map<string, Handlebars.TemplateDelegate>();
  private readonly layout: Handlebars.TemplateDelegate;

  constructor() {
    this.hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    for (const file of readdirSync(VIEWS_DIR).filter((f) => f.endsWith('.hbs'))) {
      const name = file.replace(/\.hbs$/, '');
      const source = readFileSync(join(VIEWS_DIR, file), 'utf8');
      if (name.startsWith('_')) this.hbs.registerPartial(name.slice(1), source);
      else this.templates.set(name, this.hbs.compile(source, { strict: false }));
    }
    this.layout = this.templates.get('layout')!;
  }

  render(reply: FastifyReply, view: string, context: Record<string, unknown>, options: { status?: number; frameSources?: string[] } = {}): FastifyReply {
    const template = this.templates.get(view);
    if (!template) throw new Error(`no view ${view}`);
    const nonce = randomBytes(16).toString('base64');
    const body = template({ ...context, nonce });
    const html = this.layout({ ...context, nonce, body });
    const frameSrc = options.frameSources?.length ? `; frame-src ${options.frameSources.join(' ')}` : '';
    // RFC 9110 §15.5.2: a 401 names how to authenticate. A page's credentials go in its form, a
    // scheme no browser answers with a dialog of its own.
    if (options.status === 401 && !reply.hasHeader('WWW-Authenticate')) reply.header('WWW-Authenticate', 'Form');
    return reply
      .status(options.status ?? 200)
      .header('Content-Type', 'text/html; charset=utf-8')
      .header('Cache-Control', 'no-store')
      .header('Pragma', 'no-cache')
      .header('X-Frame-Options', 'DENY')
      .header('X-Content-Type-Options', 'nosniff')
      .header('Referrer-Policy', 'no-referrer')
      .header(
        'Content-Security-Policy',
        `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'${frameSrc}`,
      )
      .send(html);
  }
}
