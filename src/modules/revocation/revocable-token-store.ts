import type { Tenant } from '../../common/tenant/tenant';
import type { TrustedApplicationEntity } from '../trusted-applications/trusted-application.entity';

/**
 * A kind of token that RFC 7009 revocation can reach (refresh tokens, reference tokens, …).
 * Register one in revocable-token-stores.ts; the revocation endpoint asks each store in turn.
 */
export interface RevocableTokenStore {
  /** token_type_hint values that put this store first (RFC 7009 §2.1: a hint, never trusted). */
  readonly tokenTypeHints: readonly string[];
  /**
   * Revokes `token` if it is one of this store's and `client` owns it (for a refresh token:
   * its whole family). Returns true when the token exists in this tenant, whether or not it
   * was the client's to revoke, so that no other store is asked; false when it is not this
   * store's token. Throws only for failures (the database), never for a bad token.
   */
  revoke(tenant: Tenant, client: TrustedApplicationEntity, token: string, hint?: string): Promise<boolean>;
}

/** The multi-provider of every RevocableTokenStore (an array), like GRANTS for the token endpoint. */
export const REVOCABLE_TOKEN_STORES = Symbol('REVOCABLE_TOKEN_STORES');
