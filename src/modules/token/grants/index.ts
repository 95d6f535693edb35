import type { Provider } from '@nestjs/common';
import { GRANTS } from '../token.types';
import { ClientCredentialsGrant } from './client-credentials.grant';

/** Every grant type the token endpoint serves; TokenService looks them up by grant_type. */
const GRANT_CLASSES = [ClientCredentialsGrant];

export const GRANTS_PROVIDERS: Provider[] = [
  ...GRANT_CLASSES,
  { provide: GRANTS, useFactory: (...grants: unknown[]) => grants, inject: GRANT_CLASSES },
];
