import { IsBoolean, IsDefined, IsIn, IsNotEmpty, IsString, Matches, MaxLength, ValidateIf } from 'class-validator';
import { IsFetchablePort, IsHttpUrl, IsScopeList, IsSecretHash, IsUrlList, Nullable, Optional } from '../../../common/validation/validators';
import type { AccessTokensPolicy, ClientType } from '../trusted-application.entity';

export const CLIENT_TYPES: readonly ClientType[] = ['Confidential', 'Public'];
export const ACCESS_TOKENS_POLICIES: readonly AccessTokensPolicy[] = ['None', 'AuthenticatedUsers', 'AdministratorsOnly'];

/** Every attribute but the identifying ones; all optional, so PATCH uses it as is. */
export class TrustedApplicationPatchDto {
  @Optional() @IsString() @IsNotEmpty() @MaxLength(200)
  Name?: string;

  @Optional() @IsString() @Matches(/^[\x21-\x7E]{1,500}$/, { message: 'ApplicationUri must be 1-500 visible ASCII characters without spaces' })
  ApplicationUri?: string;

  @Optional() @IsBoolean()
  IsEnabled?: boolean;

  @Optional() @IsBoolean()
  ImpersonateAsInternalUserAllowed?: boolean;

  @Optional() @IsBoolean()
  ImpersonateAsCommunityUserAllowed?: boolean;

  @Optional() @IsUrlList()
  ImpersonateLoginUrl?: string;

  @Optional() @IsUrlList()
  ImpersonateLogoutUrl?: string;

  @Optional() @IsIn(CLIENT_TYPES)
  ClientType?: ClientType;

  @Nullable() @IsSecretHash()
  ApplicationSecretHash?: string | null;

  @Optional() @IsScopeList()
  Scope?: string;

  @Nullable() @IsString() @IsNotEmpty() @MaxLength(200)
  SystemUser?: string | null;

  @Optional() @IsBoolean()
  SystemUserAllowed?: boolean;

  @Optional() @IsIn(ACCESS_TOKENS_POLICIES)
  AccessTokens?: AccessTokensPolicy;

  @Optional() @IsBoolean()
  BasicAuthenticationAllowed?: boolean;

  /** Our extension: the device authorization grant (RFC 8628) for this application. */
  @Optional() @IsBoolean()
  DeviceFlowAllowed?: boolean;

  /** Called by the server itself: on a port it can call. */
  @Nullable() @IsHttpUrl() @IsFetchablePort()
  BackChannelLogoutUri?: string | null;

  @Nullable() @IsHttpUrl()
  FrontChannelLogoutUri?: string | null;

  @Nullable() @IsString() @MaxLength(4000)
  Notes?: string | null;
}

/** POST and PUT: the whole application; attributes left out take ERP.net's defaults. */
export class TrustedApplicationCreateDto extends TrustedApplicationPatchDto {
  // ValidateIf replaces the @Optional() inherited from the patch DTO (class-validator keeps a parent's decorator
  // unless the child has one of the same kind), which let a body without Name or ApplicationUri through.
  @ValidateIf(() => true) @IsDefined({ message: 'Name is required' }) @IsString() @IsNotEmpty() @MaxLength(200)
  override Name: string;

  @ValidateIf(() => true) @IsDefined({ message: 'ApplicationUri is required' }) @IsString() @Matches(/^[\x21-\x7E]{1,500}$/, { message: 'ApplicationUri must be 1-500 visible ASCII characters without spaces' })
  override ApplicationUri: string;
}
