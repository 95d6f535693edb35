// The raw RS256 signing limit of one core: a crypto.sign loop over a JWT-sized input with an
// RSA-2048 key (and, for reference, jose's SignJWT). Run pinned to the servers' core while they idle.
// Prints one JSON line: { signPerSec, signUs (wall), signCpuUs (CPU time per signature), joseUs }.
// The CPU time is what a busy machine does not distort: wall time grows when others share the core.
import { generateKeyPairSync, sign } from 'node:crypto';
import { SignJWT } from 'jose';

const ms = Number(process.argv[2] ?? 1500);
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const input = Buffer.from(`eyJhbGciOiJSUzI1NiIsImtpZCI6IkJFTkNIIiwidHlwIjoiYXQrand0In0.${Buffer.alloc(450, 'x').toString('base64url')}`);

function loop(fn, budget) {
  for (let i = 0; i < 20; i++) fn(); // warm-up
  let n = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  while (performance.now() - t0 < budget) {
    fn();
    n++;
  }
  const cpu = process.cpuUsage(c0);
  return { wallMs: (performance.now() - t0) / n, cpuUs: (cpu.user + cpu.system) / n };
}

const { wallMs: signMs, cpuUs: signCpuUs } = loop(() => sign('sha256', input, privateKey), ms);
let joseN = 0;
const claims = { iss: 'http://bench.localhost/id', aud: ['DomainAPI', 'TableAPI'], client_id: 'bench.app', scope: ['read'] };
const t0 = performance.now();
while (performance.now() - t0 < ms / 3) {
  await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'BENCH', typ: 'at+jwt' }).sign(privateKey);
  joseN++;
}
const joseMs = (performance.now() - t0) / joseN;
console.log(JSON.stringify({ signPerSec: 1000 / signMs, signUs: signMs * 1000, signCpuUs, joseUs: joseMs * 1000 }));
