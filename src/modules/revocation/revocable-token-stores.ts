import type { Provider } from '@nestjs/common';
import { ReferenceTokenRevocationStore } from '../reference-tokens/reference-token-revocation.store';
import { ReferenceTokensModule } from '../reference-tokens/reference-tokens.module';
import { REVOCABLE_TOKEN_STORES } from './revocable-token-store';

/**
 * Every token store the revocation endpoint reaches. To add one: provide and export a class that
 * implements RevocableTokenStore from your module, then add the module to STORE_MODULES and the
 * class to STORE_CLASSES. Without a matching token_type_hint, stores are tried in this order.
 */
export const STORE_MODULES = [ReferenceTokensModule];
const STORE_CLASSES = [ReferenceTokenRevocationStore];

export const REVOCABLE_TOKEN_STORES_PROVIDER: Provider = {
  provide: REVOCABLE_TOKEN_STORES,
  useFactory: (...stores: unknown[]) => stores,
  inject: STORE_CLASSES,
};
