import { IsBoolean, IsIn, IsNotEmpty, IsOptional, IsString, Matches, MaxLength, ValidateIf } from 'class-validator';
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
  @IsString() @IsNotEmpty() @MaxLength(200)
  override Name: string;

  @IsString() @Matches(/^[\x21-\x7E]{1,500}$/, { message: 'ApplicationUri must be 1-500 visible ASCII characters without spaces' })
  override ApplicationUri: string;
}
