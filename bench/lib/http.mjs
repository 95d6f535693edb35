// A small keep-alive HTTP client for the flows autocannon cannot drive (sign-in, setup), with a
// cookie jar per virtual browser. Loopback only.
import { Agent, request as httpRequest } from 'node:http';

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

/** One request; `url` is absolute (its host is where it goes), `host` overrides the Host header. */
export function request(url, { method = 'GET', headers = {}, body, host } = {}) {
  const u = new URL(url);
  const hdrs = { ...headers };
  if (host) hdrs.host = host;
  if (body !== undefined) hdrs['content-length'] = Buffer.byteLength(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ agent, method, hostname: u.hostname, port: u.port, path: u.pathname + u.search, headers: hdrs }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error(`timeout: ${method} ${url}`)));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export function postForm(url, fields, options = {}) {
  return request(url, {
    ...options,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(options.headers ?? {}) },
    body: new URLSearchParams(fields).toString(),
  });
}

/** A browser talking to one server: cookies by name (one host per server here), redirects one at a time. */
export class Browser {
  constructor(base, host) {
    this.base = base; // http://127.0.0.1:port
    this.host = host; // Host header (ours routes by it)
    this.jar = new Map();
  }

  async send(method, url, fields) {
    const target = new URL(url, this.base);
    const headers = {};
    if (this.jar.size) headers.cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const abs = `${this.base}${target.pathname}${target.search}`;
    const res = fields
      ? await postForm(abs, fields, { headers, host: this.host })
      : await request(abs, { method, headers, host: this.host });
    for (const line of [].concat(res.headers['set-cookie'] ?? [])) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = value === '' || attrs.some((a) => /^\s*max-age=0/i.test(a) || /expires=Thu, 01 Jan 1970/i.test(a));
      if (expired) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return res;
  }
}

/** The first form of a page: its action and its inputs. */
export function parseForm(html) {
  const action = decode(/<form[^>]*action="([^"]*)"/i.exec(html)?.[1] ?? '');
  const fields = {};
  for (const m of html.matchAll(/<input[^>]*>/gi)) {
    const name = /name="([^"]*)"/i.exec(m[0])?.[1];
    const value = /value="([^"]*)"/i.exec(m[0])?.[1] ?? '';
    if (name) fields[name] = decode(value);
  }
  return { action, fields };
}

function decode(s) {
  return s
    .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCharCode(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d) => String.fromCharCode(Number(d)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/**
 * Follows an authorization request in the browser until it redirects to `callback`: every redirect
 * is followed, and a page with a form is submitted with the credentials. Returns the code.
 */
export async function authorizeToCode(browser, authorizeUrl, callback, credentials) {
  let res = await browser.send('GET', authorizeUrl);
  for (let step = 0; step < 10; step++) {
    if (res.status >= 300 && res.status < 400) {
      const location = res.headers.location;
      if (location.startsWith(callback)) {
        const params = new URL(location).searchParams;
        const code = params.get('code');
        if (!code) throw new Error(`no code in ${location}`);
        return code;
      }
      res = await browser.send('GET', location);
    } else if (res.status === 200 && /<form/i.test(res.text) && credentials) {
      const { action, fields } = parseForm(res.text);
      res = await browser.send('POST', action, { ...fields, ...credentials });
      credentials = undefined; // a second form would be a failed sign-in
    } else {
      throw new Error(`sign-in stopped at ${res.status}: ${res.text.slice(0, 200)}`);
    }
  }
  throw new Error('too many redirects');
}
