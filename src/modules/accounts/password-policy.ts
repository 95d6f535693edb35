/**
 * Passwords people choose first (NIST SP 800-63B §5.1.1.2: refuse values known to be commonly
 * used), among those our 8-character minimum lets through.
 */
const COMMON = new Set([
  'password', 'password1', 'password12', 'password123', 'passw0rd', '12345678', '123456789', '1234567890', '0123456789', '87654321',
  '11111111', '00000000', '12341234', '11223344', 'qwertyui', 'qwertyuiop', 'qwerty12', 'qwerty123', '1q2w3e4r', '1qaz2wsx', 'zaq12wsx',
  'asdfghjk', 'asdf1234', 'abcd1234', 'abc12345', 'iloveyou', 'sunshine', 'princess', 'football', 'baseball', 'welcome1', 'welcome123',
  'admin123', 'letmein1', 'trustno1', 'superman', 'changeme', 'whatever', 'starwars', 'internet', 'computer',
]);

/** Why a new password is refused, or undefined when it is acceptable: 8–256 characters, not blank, not common, not the email. */
export function passwordProblem(password: string | undefined, email?: string): 'length' | 'weak' | undefined {
  if (!password || password.length < 8 || password.length > 256) return 'length';
  const lower = password.toLowerCase();
  if (!/\S/.test(password) || COMMON.has(lower)) return 'weak';
  if (email && (lower === email.toLowerCase() || lower === email.toLowerCase().split('@')[0])) return 'weak';
  return undefined;
}
