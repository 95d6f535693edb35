import { Injectable } from '@nestjs/common';
import type { Tenant } from '../../common/tenant/tenant';
import { RefreshTokensRepository } from '../tokens/refresh-tokens.repository';
import type { TrustedApplicationEntity } from '../trusted-applications/trusted-application.entity';
import type { RevocableTokenStore } from './revocable-token-store';

/** RFC 7009 §2.1 for refresh tokens: the application they were issued to revokes the whole family. */
@Injectable()
export class RefreshTokenRevocationStore implements RevocableTokenStore {
  readonly tokenTypeHints = ['refresh_token'] as const;

  constructor(private readonly refreshTokens: RefreshTokensRepository) {}

  async revoke(tenant: Tenant, client: TrustedApplicationEntity, token: string): Promise<boolean> {
    const row = await this.refreshTokens.find(tenant.id, token);
    if (!row) return false;
    if (row.applicationUri === client.applicationUri) await this.refreshTokens.revokeFamily(tenant.id, row.grantId);
    return true;
  }
}
