import { Injectable } from '@nestjs/common';
import { InvalidToken } from '../../common/oauth/errors';
import type { Tenant } from '../../common/tenant/tenant';
import { AccessTokenVerifier } from '../tokens/access-token-verifier';
import { RevokedAccessTokensRepository } from '../tokens/revoked-access-tokens.repository';
import type { TrustedApplicationEntity } from '../trusted-applications/trusted-application.entity';
import type { RevocableTokenStore, RevocationOutcome } from './revocable-token-store';

/**
 * RFC 7009 §2 for JWT access tokens: the application a token was issued to revokes it by its jti,
 * which introspection and userinfo refuse from then on, on every node, until the token expires.
 * Only a token that verifies as this instance's counts as one; anything else is another store's.
 */
@Injectable()
export class AccessTokenRevocationStore implements RevocableTokenStore {
  readonly tokenTypeHints = ['access_token'] as const;

  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly revoked: RevokedAccessTokensRepository,
  ) {}

  async revoke(tenant: Tenant, client: TrustedApplicationEntity, token: string): Promise<RevocationOutcome | undefined> {
    if (token.split('.').length !== 3) return undefined;
    let payload;
    try {
      payload = await this.verifier.verify(tenant, token);
    } catch (e) {
      if (e instanceof InvalidToken) return undefined;
      throw e;
    }
    const jti = typeof payload.jti === 'string' ? payload.jti : '';
    const revoked = payload.client_id === client.applicationUri && !!jti;
    if (revoked) await this.revoked.revoke(tenant.id, jti, new Date((payload.exp as number) * 1000));
    const userId = typeof payload.sub_id === 'string' ? payload.sub_id : undefined;
    return { kind: 'access_token', id: jti, userId, revoked };
  }
}
