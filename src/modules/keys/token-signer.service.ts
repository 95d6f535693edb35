import { sign as cryptoSign, type KeyObject } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { JWTPayload } from 'jose';
import type { Tenant } from '../../common/tenant/tenant';
import { KeysService } from './keys.service';

export type JwtType = 'at+jwt' | 'JWT' | 'logout+jwt';

/**
 * Signs JWTs with the instance's current key: RS256, its kid, and the given typ.
 *
 * The JWS is assembled here rather than by jose's SignJWT (the same bytes: the protected header
 * `{"alg":"RS256","kid":…,"typ":…}` and the payload's JSON, each base64url, RSASSA-PKCS1-v1_5
 * with SHA-256, which is deterministic) for two reasons that the benchmark measures (bench/):
 * the RSA operation runs on libuv's thread pool through crypto.sign's callback form, so the event
 * loop keeps serving other requests while a token is signed; and the per-token work around the
 * signature (header encoding, validation) is done once per key instead of once per token.
 */
@Injectable()
export class TokenSigner {
  constructor(private readonly keys: KeysService) {}

  async sign(tenant: Tenant, payload: JWTPayload, typ: JwtType): Promise<string> {
    const key = await this.keys.signingKey(tenant.id);
    let header = key.encodedHeaders.get(typ);
    if (!header) key.encodedHeaders.set(typ, (header = base64url(JSON.stringify({ alg: 'RS256', kid: key.kid, typ }))));
    const input = `${header}.${base64url(JSON.stringify(payload))}`;
    const signature = await rs256(input, key.privateKey);
    return `${input}.${signature.toString('base64url')}`;
  }
}

function base64url(json: string): string {
  return Buffer.from(json, 'utf8').toString('base64url');
}

/** RSASSA-PKCS1-v1_5 with SHA-256 on the thread pool. */
function rs256(input: string, privateKey: KeyObject): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    cryptoSign('sha256', Buffer.from(input, 'latin1'), privateKey, (error, signature) => (error ? reject(error) : resolve(signature)));
  });
}
