import { IsBoolean, IsDefined, IsIn, IsNotEmpty, IsOptional, IsString, Matches, MaxLength, ValidateIf } from 'class-validator';
import { IsAbsoluteUrl, IsScopeList, IsSecretHash, IsUrlList } from '../../../common/validation/validators';
import type { AccessTokensPolicy, ClientType } from '../trusted-application.entity';

export const CLIENT_TYPES: readonly ClientType[] = ['Confidential', 'Public'];
export const ACCESS_TOKENS_POLICIES: readonly AccessTokensPolicy[] = ['None', 'AuthenticatedUsers', 'AdministratorsOnly'];

/** Every attribute but the identifying ones; all optional, so PATCH uses it as is. */
export class TrustedApplicationPatchDto {
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(200)
  Name?: string;

  @IsOptional() @IsString() @Matches(/^[\x21-\x7E]{1,500}$/, { message: 'ApplicationUri must be 1-500 visible ASCII characters without spaces' })
  ApplicationUri?: string;

  @IsOptional() @IsBoolean()
  IsEnabled?: boolean;

  @IsOptional() @IsBoolean()
  ImpersonateAsInternalUserAllowed?: boolean;

  @IsOptional() @IsBoolean()
  ImpersonateAsCommunityUserAllowed?: boolean;

  @IsOptional() @IsUrlList()
  ImpersonateLoginUrl?: string;

  @IsOptional() @IsUrlList()
  ImpersonateLogoutUrl?: string;

  @IsOptional() @IsIn(CLIENT_TYPES)
  ClientType?: ClientType;

  @IsOptional() @ValidateIf((_, v) => v !== null) @IsSecretHash()
  ApplicationSecretHash?: string | null;

  @IsOptional() @IsScopeList()
  Scope?: string;

  @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @IsNotEmpty() @MaxLength(200)
  SystemUser?: string | null;

  @IsOptional() @IsBoolean()
  SystemUserAllowed?: boolean;

  @IsOptional() @IsIn(ACCESS_TOKENS_POLICIES)
  AccessTokens?: AccessTokensPolicy;

  @IsOptional() @IsBoolean()
  BasicAuthenticationAllowed?: boolean;

  @IsOptional() @ValidateIf((_, v) => v !== null) @IsAbsoluteUrl()
  BackChannelLogoutUri?: string | null;

  @IsOptional() @ValidateIf((_, v) => v !== null) @IsAbsoluteUrl()
  FrontChannelLogoutUri?: string | null;

  @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @MaxLength(4000)
  Notes?: string | null;
}

/** POST and PUT: the whole application; attributes left out take ERP.net's defaults. */
export class TrustedApplicationCreateDto extends TrustedApplicationPatchDto {
  // ValidateIf replaces the @IsOptional() inherited from the patch DTO (class-validator keeps a parent's decorator
  // unless the child has one of the same kind), which let a body without Name or ApplicationUri through.
  @ValidateIf(() => true) @IsDefined({ message: 'Name is required' }) @IsString() @IsNotEmpty() @MaxLength(200)
  override Name: string;

  @ValidateIf(() => true) @IsDefined({ message: 'ApplicationUri is required' }) @IsString() @Matches(/^[\x21-\x7E]{1,500}$/, { message: 'ApplicationUri must be 1-500 visible ASCII characters without spaces' })
  override ApplicationUri: string;
}
