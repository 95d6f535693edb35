import type { Provider } from '@nestjs/common';
import { GRANTS } from '../token.types';
import { AuthorizationCodeGrant } from './authorization-code.grant';
import { ClientCredentialsGrant } from './client-credentials.grant';
import { DeviceCodeGrant } from './device-code.grant';
import { RefreshTokenGrant } from './refresh-token.grant';
import { UserGrantIssuer } from './user-grant-issuer';

/** Every grant type the token endpoint serves; TokenService looks them up by grant_type. */
const GRANT_CLASSES = [AuthorizationCodeGrant, ClientCredentialsGrant, RefreshTokenGrant, DeviceCodeGrant];

export const GRANTS_PROVIDERS: Provider[] = [
  UserGrantIssuer,
  ...GRANT_CLASSES,
  { provide: GRANTS, useFactory: (...grants: unknown[]) => grants, inject: GRANT_CLASSES },
];
