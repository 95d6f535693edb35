/**
 * What never reaches a log line or an audit event: credentials, authorization codes, tokens, the
 * sealed sign-in request and CSRF values, whether they come as a form or query field, a JSON key,
 * or a parameter inside a URL that some message quotes.
 */
export const SENSITIVE_FIELDS = [
  'password',
  'client_secret',
  'code',
  'code_verifier',
  'refresh_token',
  'access_token',
  'id_token',
  'id_token_hint',
  'logout_token',
  'token',
  'request',
  'csrf',
] as const;

export const REDACTED = '[REDACTED]';

const SENSITIVE = new Set<string>(SENSITIVE_FIELDS);
/** Admin API properties that carry secrets (or their hashes). */
const SENSITIVE_PROPERTIES = new Set(['password', 'applicationsecrethash', 'clientsecret', 'clientsecretencrypted', 'secret', 'authorization', 'cookie', 'set-cookie']);

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE.has(key) || SENSITIVE_PROPERTIES.has(key.toLowerCase());
}

/**
 * Query parameters whose values are logged as they are; every other parameter keeps its name
 * only. An allow-list, so that a parameter added later is hidden until someone decides otherwise.
 */
const LOGGED_QUERY_KEYS = new Set([
  'client_id',
  'response_type',
  'response_mode',
  'scope',
  'redirect_uri',
  'post_logout_redirect_uri',
  'prompt',
  'max_age',
  'ui_locales',
  'display',
  'acr_values',
  'code_challenge_method',
  'grant_type',
  'lang',
  'reason',
  'error',
  'instance',
  'action',
  'limit',
  'before',
]);

/** The path of a request URL with the values of every query parameter not on the allow-list replaced. */
export function safeUrl(url: string | undefined): string {
  if (!url) return '';
  const q = url.indexOf('?');
  if (q < 0) return url;
  const query = url.slice(q + 1);
  if (!query) return url.slice(0, q);
  const parts = query.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const rawKey = eq < 0 ? pair : pair.slice(0, eq);
    let key: string;
    try {
      key = decodeURIComponent(rawKey.replace(/\+/g, ' '));
    } catch {
      key = rawKey;
    }
    if (eq < 0) return rawKey;
    return LOGGED_QUERY_KEYS.has(key) ? pair : `${rawKey}=${REDACTED}`;
  });
  return `${url.slice(0, q)}?${parts.join('&')}`;
}

// A sensitive parameter inside a URL or a form string quoted in a message: `?code=…`, `&token=…`, `#access_token=…`.
const IN_URL = new RegExp(`([?&#](?:${SENSITIVE_FIELDS.join('|')})=)[^&#\\s"'<>]+`, 'gi');

/** Hides the values of sensitive URL parameters in free text (log messages). */
export function scrubText(text: string): string {
  return text.replace(IN_URL, `$1${REDACTED}`);
}

/** A copy of a plain value with every sensitive key's value replaced (for audit details). */
export function scrubValue(value: unknown, depth = 0): unknown {
  if (depth > 8) return REDACTED;
  if (typeof value === 'string') return scrubText(value);
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1));
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = isSensitiveKey(k) ? REDACTED : scrubValue(v, depth + 1);
    return out;
  }
  return value;
}

/**
 * pino `redact` paths: the headers that carry credentials and the sensitive fields of any
 * object a log call passes (top level and two levels down). `code` is only hidden where it is a
 * protocol parameter (body, query, params, form), since an error's `code` (ECONNREFUSED, 23505)
 * is what an operator needs to see.
 */
export function redactPaths(): string[] {
  const headers = ['authorization', 'cookie', '["set-cookie"]', '["x-admin-key"]'];
  const paths = [
    ...headers.flatMap((h) => [`req.headers.${h}`, `res.headers.${h}`, `headers.${h}`, `*.headers.${h}`]),
  ];
  for (const field of SENSITIVE_FIELDS) {
    if (field === 'code') {
      for (const container of ['body', 'query', 'params', 'form']) paths.push(`${container}.code`, `*.${container}.code`);
      continue;
    }
    paths.push(field, `*.${field}`, `*.*.${field}`);
  }
  return paths.map((p) => p.replace(/\.\[/g, '['));
}
