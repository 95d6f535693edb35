import type { Tenant } from '../../common/tenant/tenant';
import type { TrustedApplicationEntity } from '../trusted-applications/trusted-application.entity';

/** What a store found of a token it knows: for the audit log, never the token itself. */
export interface RevocationOutcome {
  kind: 'refresh_token' | 'access_token' | 'reference_token';
  /** A name of the token that is not the token: a reference token's Id, an access token's jti, a refresh token's grant. */
  id: string;
  /** The user the token was issued for (sub_id), when it names one. */
  userId?: string;
  /** False when the token is another application's: nothing was revoked. */
  revoked: boolean;
}

/**
 * A kind of token that RFC 7009 revocation can reach (refresh tokens, reference tokens, …).
 * Register one in revocable-token-stores.ts; the revocation endpoint asks each store in turn.
 */
export interface RevocableTokenStore {
  /** token_type_hint values that put this store first (RFC 7009 §2.1: a hint, never trusted). */
  readonly tokenTypeHints: readonly string[];
  /**
   * Revokes `token` if it is one of this store's and `client` owns it (for a refresh token:
   * its whole family). Returns what it found when the token exists in this tenant, whether or
   * not it was the client's to revoke, so that no other store is asked; undefined when it is not
   * this store's token. Throws only for failures (the database), never for a bad token.
   */
  revoke(tenant: Tenant, client: TrustedApplicationEntity, token: string, hint?: string): Promise<RevocationOutcome | undefined>;
}

/** The multi-provider of every RevocableTokenStore (an array), like GRANTS for the token endpoint. */
export const REVOCABLE_TOKEN_STORES = Symbol('REVOCABLE_TOKEN_STORES');
