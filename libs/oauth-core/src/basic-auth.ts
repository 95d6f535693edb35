export interface BasicCredentials {
  clientId: string;
  clientSecret: string;
}

/**
 * Parses `Authorization: Basic …` for client authentication. RFC 6749 §2.3.1 says the id and the
 * secret are form-urlencoded before base64, so both are decoded here. Returns null when the header
 * is not Basic at all, and throws when it is Basic but malformed.
 */
export function parseBasicAuthorization(header: string | undefined): BasicCredentials | null {
  if (!header) return null;
  if (!/^Basic\b/i.test(header)) return null;
  const match = /^Basic +([A-Za-z0-9+/]*={0,2}) *$/i.exec(header);
  if (!match) throw new MalformedBasicCredentials('invalid Basic authorization header');
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new MalformedBasicCredentials('invalid Basic authorization header');
  try {
    return {
      clientId: formDecode(decoded.slice(0, colon)),
      clientSecret: formDecode(decoded.slice(colon + 1)),
    };
  } catch {
    throw new MalformedBasicCredentials('client credentials in the Basic header are not form-urlencoded');
  }
}

export function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}

function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

export class MalformedBasicCredentials extends Error {}
