import type { TestServer } from './test-server';

export interface BrowserResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  location?: string;
}

/**
 * A minimal browser for flows through the in-process server: it keeps cookies per host (as a
 * browser does for host-only cookies), sends absolute URLs with their Host, and lets the test
 * follow redirects one step at a time.
 */
export class Browser {
  private readonly jar = new Map<string, Map<string, string>>();

  constructor(private readonly ts: TestServer) {}

  get(url: string, headers: Record<string, string> = {}): Promise<BrowserResponse> {
    return this.send('GET', url, undefined, headers);
  }

  post(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<BrowserResponse> {
    return this.send('POST', url, new URLSearchParams(form).toString(), headers);
  }

  cookies(host: string): Map<string, string> {
    return this.jar.get(host) ?? new Map();
  }

  /** Copies this browser's cookies of `from` onto host `to`, as an attacker replaying them would. */
  replayCookies(from: string, to: string): void {
    this.jar.set(to, new Map(this.cookies(from)));
  }

  clearCookies(): void {
    this.jar.clear();
  }

  private async send(method: 'GET' | 'POST', url: string, body: string | undefined, headers: Record<string, string>): Promise<BrowserResponse> {
    const u = new URL(url);
    const jar = this.cookies(u.host);
    let req = method === 'GET' ? this.ts.http().get(u.pathname + u.search) : this.ts.http().post(u.pathname + u.search);
    req = req.set('Host', u.host).redirects(0);
    if (jar.size) req = req.set('Cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
    for (const [k, v] of Object.entries(headers)) req = req.set(k, v);
    if (body !== undefined) req = req.set('Content-Type', 'application/x-www-form-urlencoded').send(body);
    const res = await req;
    const setCookie = res.headers['set-cookie'] as unknown as string[] | undefined;
    for (const line of setCookie ?? []) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      const target = this.jar.get(u.host) ?? new Map<string, string>();
      if (expired || value === '') target.delete(name);
      else target.set(name, value);
      this.jar.set(u.host, target);
    }
    const location = res.headers.location ? new URL(res.headers.location, url).toString() : undefined;
    return { status: res.status, headers: res.headers, text: res.text, location };
  }
}

/** The hidden and visible inputs of the first form on an HTML page, with its action. */
export function parseForm(html: string): { action: string; fields: Record<string, string> } {
  const action = decodeEntities(/<form[^>]*action="([^"]*)"/i.exec(html)?.[1] ?? '');
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input[^>]*>/gi)) {
    const name = /name="([^"]*)"/i.exec(m[0])?.[1];
    const value = /value="([^"]*)"/i.exec(m[0])?.[1] ?? '';
    if (name) fields[name] = decodeEntities(value);
  }
  return { action, fields };
}

export function decodeEntities(s: string): string {
  return s
    .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCharCode(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d) => String.fromCharCode(Number(d)))
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#x3D;/g, '=')
    .replace(/&#x60;/g, '`')
    .replace(/&amp;/g, '&');
}

/** Parameters of a redirect, from its query or its fragment. */
export function responseParams(location: string): Record<string, string> {
  const u = new URL(location);
  const source = u.hash ? new URLSearchParams(u.hash.slice(1)) : u.searchParams;
  return Object.fromEntries(source);
}
