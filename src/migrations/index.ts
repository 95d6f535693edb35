import { InitialSchema1764000000000 } from './1764000000000-InitialSchema';
import { ReferenceTokens1764000100000 } from './1764000100000-ReferenceTokens';
import { SignIn1764000200000 } from './1764000200000-SignIn';
import { ErpNetId1764000300000 } from './1764000300000-ErpNetId';
import { AuditLog1764000400000 } from './1764000400000-AuditLog';
import { SignInPolicy1764000500000 } from './1764000500000-SignInPolicy';
import { RefreshTokenIssuedJti1764000600000 } from './1764000600000-RefreshTokenIssuedJti';
import { AuthorizationCodeFrontChannelJti1764000700000 } from './1764000700000-AuthorizationCodeFrontChannelJti';
import { SessionOrigin1764000800000 } from './1764000800000-SessionOrigin';
import { AccountTokenEmail1764000900000 } from './1764000900000-AccountTokenEmail';
import { HousekeepingIndexes1764001000000 } from './1764001000000-HousekeepingIndexes';
import { PushedAuthorizationRequests1764001100000 } from './1764001100000-PushedAuthorizationRequests';
import { DeviceAuthorization1764001200000 } from './1764001200000-DeviceAuthorization';

/** Every migration, in order; the data source runs them on start. */
export const MIGRATIONS = [
  InitialSchema1764000000000, ReferenceTokens1764000100000, SignIn1764000200000, ErpNetId1764000300000, AuditLog1764000400000, SignInPolicy1764000500000, RefreshTokenIssuedJti1764000600000,
  AuthorizationCodeFrontChannelJti1764000700000,
  SessionOrigin1764000800000,
  AccountTokenEmail1764000900000,
  HousekeepingIndexes1764001000000,
  PushedAuthorizationRequests1764001100000,
  DeviceAuthorization1764001200000,
];
