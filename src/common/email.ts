import { domainToASCII } from 'node:url';

const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

/**
 * One spelling per mailbox, so that one mailbox cannot hold two ERP.net ID accounts: Unicode NFC,
 * the domain in its ASCII (punycode) form (RFC 5890), a quoted local part unquoted when the quotes
 * change nothing (`"dave"@x` is `dave@x`, RFC 5321 §4.1.2), all lower case (addresses compare
 * case-insensitively here). Undefined when the domain has no ASCII form.
 */
export function canonicalEmail(address: string): string | undefined {
  const at = address.lastIndexOf('@');
  if (at < 1) return undefined;
  let local = address.slice(0, at).normalize('NFC');
  const domain = domainToASCII(address.slice(at + 1).normalize('NFC').toLowerCase());
  if (!domain) return undefined;
  const quoted = /^"(.*)"$/.exec(local);
  if (quoted && DOT_ATOM.test(quoted[1])) local = quoted[1];
  return `${local}@${domain}`.toLowerCase();
}
