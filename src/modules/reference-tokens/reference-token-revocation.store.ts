import { Injectable } from '@nestjs/common';
import type { Tenant } from '../../common/tenant/tenant';
import type { RevocableTokenStore, RevocationOutcome } from '../revocation/revocable-token-store';
import type { TrustedApplicationEntity } from '../trusted-applications/trusted-application.entity';
import { ReferenceTokensService } from './reference-tokens.service';

/** RFC 7009 for PATs and SATs: the application a reference token was issued to may revoke it. */
@Injectable()
export class ReferenceTokenRevocationStore implements RevocableTokenStore {
  /** A reference token is an access token, so either hint puts this store first. */
  readonly tokenTypeHints = ['reference_token', 'access_token'] as const;

  constructor(private readonly tokens: ReferenceTokensService) {}

  async revoke(tenant: Tenant, client: TrustedApplicationEntity, token: string): Promise<RevocationOutcome | undefined> {
    const found = await this.tokens.revokeByOwner(tenant, client.id, token);
    return found && { kind: 'reference_token', id: found.id, userId: found.userId, revoked: found.owned };
  }
}
