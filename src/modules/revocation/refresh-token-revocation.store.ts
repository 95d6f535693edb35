import { Injectable } from '@nestjs/common';
import { Clock } from '../../common/crypto/clock';
import type { Tenant } from '../../common/tenant/tenant';
import { Transactions } from '../../database/transactions';
import { RefreshTokensRepository } from '../tokens/refresh-tokens.repository';
import { REVOCATION_KEPT_MS, RevokedAccessTokensRepository } from '../tokens/revoked-access-tokens.repository';
import type { TrustedApplicationEntity } from '../trusted-applications/trusted-application.entity';
import type { RevocableTokenStore, RevocationOutcome } from './revocable-token-store';

/**
 * RFC 7009 §2.1 for refresh tokens: the application they were issued to revokes the whole family,
 * and the access tokens issued with it ("SHOULD also invalidate all access tokens based on the same
 * authorization grant"), as a replayed refresh token does.
 */
@Injectable()
export class RefreshTokenRevocationStore implements RevocableTokenStore {
  readonly tokenTypeHints = ['refresh_token'] as const;

  constructor(
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly revokedAccessTokens: RevokedAccessTokensRepository,
    private readonly transactions: Transactions,
    private readonly clock: Clock,
  ) {}

  async revoke(tenant: Tenant, client: TrustedApplicationEntity, token: string): Promise<RevocationOutcome | undefined> {
    const row = await this.refreshTokens.find(tenant.id, token);
    if (!row) return undefined;
    const revoked = row.applicationUri === client.applicationUri;
    if (revoked) {
      const until = new Date(this.clock.now().getTime() + REVOCATION_KEPT_MS);
      await this.transactions.run(async () => {
        await this.refreshTokens.revokeFamily(tenant.id, row.grantId);
        await this.revokedAccessTokens.revokeGrant(tenant.id, row.grantId, until);
      });
    }
    return { kind: 'refresh_token', id: row.grantId, userId: row.userId, revoked };
  }
}
