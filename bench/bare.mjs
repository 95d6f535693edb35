// The floor of the rig: node:http with no framework and no database. Discovery and JWKS are fixed
// bytes; the token endpoint parses the form, compares the secret and signs a JWT with jose, or, with
// BARE_SIGNER=crypto, assembles the JWS itself around one crypto.sign on the thread pool, as our
// TokenSigner does: what node:http costs around a signature and nothing else.
import { generateKeyPairSync, randomBytes, sign, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { SignJWT, exportJWK } from 'jose';

const PORT = Number(process.env.PORT ?? 4400);
const SECRET = Buffer.from('bench-client-secret-0123456789');
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const iss = 'http://127.0.0.1/id';
const discovery = JSON.stringify({
  issuer: iss,
  jwks_uri: `${iss}/.well-known/openid-configuration/jwks`,
  authorization_endpoint: `${iss}/connect/authorize`,
  token_endpoint: `${iss}/connect/token`,
  userinfo_endpoint: `${iss}/connect/userinfo`,
  scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
  grant_types_supported: ['authorization_code', 'client_credentials', 'refresh_token'],
  response_types_supported: ['code', 'id_token', 'code id_token'],
  id_token_signing_alg_values_supported: ['RS256'],
  subject_types_supported: ['public'],
});
const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'BARE', use: 'sig', alg: 'RS256' }] });

const SIGNER = process.env.BARE_SIGNER ?? 'jose';
const HEADER = Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'BARE', typ: 'at+jwt' })).toString('base64url');

function signWithCrypto(claims) {
  const input = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return new Promise((resolve, reject) =>
    sign('sha256', Buffer.from(input, 'latin1'), privateKey, (error, signature) => (error ? reject(error) : resolve(`${input}.${signature.toString('base64url')}`))),
  );
}

async function token(body) {
  const p = new URLSearchParams(body);
  const secret = Buffer.from(p.get('client_secret') ?? '');
  if (p.get('grant_type') !== 'client_credentials' || secret.length !== SECRET.length || !timingSafeEqual(secret, SECRET)) return [401, '{"error":"invalid_client"}'];
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss, aud: ['DomainAPI', 'TableAPI', 'OLAP', 'AppServer'], iat: now, nbf: now, exp: now + 3600, jti: randomBytes(16).toString('hex'), client_id: p.get('client_id'), scope: (p.get('scope') ?? 'read').split(' ') };
  const jwt = SIGNER === 'crypto' ? await signWithCrypto(claims) : await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'BARE', typ: 'at+jwt' }).sign(privateKey);
  return [200, JSON.stringify({ access_token: jwt, token_type: 'Bearer', expires_in: 3600, scope: p.get('scope') ?? 'read' })];
}

createServer((req, res) => {
  const send = (status, json, cache = 'no-store') => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': cache });
    res.end(json);
  };
  if (req.method === 'GET' && req.url === '/discovery') return send(200, discovery, 'public, max-age=300');
  if (req.method === 'GET' && req.url === '/jwks') return send(200, jwks, 'public, max-age=300');
  if (req.method === 'POST' && req.url === '/token') {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => token(body).then(([s, j]) => send(s, j), () => send(500, '{"error":"server_error"}')));
    return;
  }
  send(404, '{"error":"not_found"}');
}).listen(PORT, '127.0.0.1', () => console.log(`ready ${PORT}`));
