import { Injectable } from '@nestjs/common';
import { SignJWT, type JWTPayload } from 'jose';
import type { Tenant } from '../../common/tenant/tenant';
import { KeysService } from './keys.service';

export type JwtType = 'at+jwt' | 'JWT' | 'logout+jwt';

/** Signs JWTs with the instance's current key: RS256, its kid, and the given typ. */
@Injectable()
export class TokenSigner {
  constructor(private readonly keys: KeysService) {}

  async sign(tenant: Tenant, payload: JWTPayload, typ: JwtType): Promise<string> {
    const key = await this.keys.signingKey(tenant.id);
    return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: key.kid, typ }).sign(key.privateKey);
  }
}
