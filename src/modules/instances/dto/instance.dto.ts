import { Type } from 'class-transformer';
import {
  ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsNotEmpty, IsObject, IsOptional, IsString, IsUrl,
  Matches, Max, MaxLength, Min, ValidateNested,
} from 'class-validator';
import { INSTANCE_TYPES, type InstanceType } from '../instance.types';

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const URL_OPTIONS = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

export class WebSiteDto {
  @IsString() @IsNotEmpty() @MaxLength(50)
  Type: string;

  @IsOptional() @IsString() @MaxLength(50)
  Status?: string;

  @IsUrl(URL_OPTIONS)
  Url: string;

  @IsOptional() @IsObject()
  AdditionalProperties?: Record<string, string>;
}

/** Lifetimes in seconds and the sign-in policy; each optional, defaults in instance.types.ts. */
class InstanceSettingsDto {
  @IsOptional() @IsInt() @Min(60) @Max(86_400)
  AccessTokenLifetime?: number;

  @IsOptional() @IsInt() @Min(60) @Max(86_400)
  IdentityTokenLifetime?: number;

  @IsOptional() @IsInt() @Min(10) @Max(600)
  AuthorizationCodeLifetime?: number;

  @IsOptional() @IsInt() @Min(300) @Max(365 * 86_400)
  RefreshTokenLifetime?: number;

  @IsOptional() @IsInt() @Min(60) @Max(30 * 86_400)
  SessionIdleTimeout?: number;

  @IsOptional() @IsInt() @Min(60) @Max(365 * 86_400)
  SessionAbsoluteLifetime?: number;

  @IsOptional() @IsInt() @Min(60) @Max(10 * 365 * 86_400)
  ReferenceTokenMaxLifetime?: number;

  @IsOptional() @IsInt() @Min(0) @Max(100)
  SignInMaxFailures?: number;

  @IsOptional() @IsInt() @Min(1) @Max(86_400)
  SignInLockoutSeconds?: number;

  @IsOptional() @IsInt() @Min(1) @Max(1_000_000)
  SignInRateLimitPerIp?: number;

  @IsOptional() @IsInt() @Min(1) @Max(1_000_000)
  SignInRateLimitPerAccount?: number;

  @IsOptional() @IsInt() @Min(1) @Max(1_000_000)
  TokenRateLimitPerClient?: number;

  @IsOptional() @IsInt() @Min(1) @Max(1_000_000)
  TokenRateLimitPerIp?: number;

  @IsOptional() @IsInt() @Min(1) @Max(3600)
  RateLimitWindowSeconds?: number;
}

export class ExternalProviderDto {
  @IsString() @Matches(/^[a-z0-9][a-z0-9-]{0,49}$/, { message: 'Name must be 1-50 lower-case letters, digits or dashes' })
  Name: string;

  @IsOptional() @IsString() @MaxLength(100)
  DisplayName?: string;

  @IsUrl(URL_OPTIONS)
  Issuer: string;

  @IsString() @IsNotEmpty() @MaxLength(500)
  ClientId: string;

  /** Write-only; left out on update, the stored secret of the provider with this Name is kept. */
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(1000)
  ClientSecret?: string;

  @IsOptional() @IsString() @MaxLength(200)
  TenantId?: string;
}

const HOSTS_MESSAGE = { each: true, message: 'each host must be a DNS host name without scheme or port' };

class InstanceCommonDto extends InstanceSettingsDto {
  @IsOptional() @IsIn(INSTANCE_TYPES)
  Type?: InstanceType;

  @IsOptional() @IsArray() @ArrayMaxSize(50) @ValidateNested({ each: true }) @Type(() => WebSiteDto)
  WebSites?: WebSiteDto[];

  @IsOptional() @IsBoolean()
  ErpNetIdSignInEnabled?: boolean;

  @IsOptional() @IsArray() @ArrayMaxSize(20) @ValidateNested({ each: true }) @Type(() => ExternalProviderDto)
  ExternalProviders?: ExternalProviderDto[];
}

export class InstanceCreateDto extends InstanceCommonDto {
  @IsString() @Matches(NAME, { message: 'Name must be 1-100 letters, digits, dots, dashes or underscores' })
  Name: string;

  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(50) @IsString({ each: true }) @Matches(HOSTNAME, HOSTS_MESSAGE)
  Hosts: string[];

  @IsString() @IsNotEmpty() @MaxLength(200)
  Database: string;
}

export class InstanceUpdateDto extends InstanceCommonDto {
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(50) @IsString({ each: true }) @Matches(HOSTNAME, HOSTS_MESSAGE)
  Hosts?: string[];

  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(200)
  Database?: string;
}
