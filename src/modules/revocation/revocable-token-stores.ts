import type { Provider } from '@nestjs/common';
import { ReferenceTokenRevocationStore } from '../reference-tokens/reference-token-revocation.store';
import { ReferenceTokensModule } from '../reference-tokens/reference-tokens.module';
import { TokensModule } from '../tokens/tokens.module';
import { UserTokensModule } from '../tokens/user-tokens.module';
import { AccessTokenRevocationStore } from './access-token-revocation.store';
import { RefreshTokenRevocationStore } from './refresh-token-revocation.store';
import { REVOCABLE_TOKEN_STORES } from './revocable-token-store';

/**
 * Every token store the revocation endpoint reaches. To add one: provide and export a class that
 * implements RevocableTokenStore from your module, then add the module to STORE_MODULES and the
 * class to STORE_CLASSES. A class that only needs exported providers of another module may also
 * live here and be listed in LOCAL_STORES (as the refresh-token store does, over UserTokensModule).
 * Without a matching token_type_hint, stores are tried in STORE_CLASSES order: reference tokens
 * first and access tokens next, because those stores recognise their tokens by their shape (and a
 * signature) without asking the database.
 */
export const STORE_MODULES = [ReferenceTokensModule, UserTokensModule, TokensModule];
export const LOCAL_STORES = [RefreshTokenRevocationStore, AccessTokenRevocationStore];
const STORE_CLASSES = [ReferenceTokenRevocationStore, AccessTokenRevocationStore, RefreshTokenRevocationStore];

export const REVOCABLE_TOKEN_STORES_PROVIDER: Provider = {
  provide: REVOCABLE_TOKEN_STORES,
  useFactory: (...stores: unknown[]) => stores,
  inject: STORE_CLASSES,
};
