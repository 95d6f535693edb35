import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsInt, IsNotEmpty, IsString, IsUrl, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { IsHostName, IsHttpUrl, IsStringRecord, Optional } from '../../../common/validation/validators';
import { INSTANCE_TYPES, type InstanceType } from '../instance.types';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const URL_OPTIONS = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

export class WebSiteDto {
  /** Not "ID" (in any case): auto-discovery lists the Identity Server itself, at the issuer of the host asked. */
  @IsString() @MaxLength(50)
  @Matches(/^[A-Za-z][A-Za-z0-9_.-]*$/, { message: 'Type must be a name of letters, digits, _ . and -, starting with a letter' })
  @Matches(/^(?!id$)/i, { message: 'Type ID is the Identity Server itself, which auto-discovery always lists' })
  Type: string;

  @Optional() @IsString() @MaxLength(50)
  Status?: string;

  /** Published to anyone: an absolute http(s) URL, without credentials or a fragment. */
  @IsHttpUrl()
  Url: string;

  @Optional() @IsStringRecord()
  AdditionalProperties?: Record<string, string>;
}

/** Lifetimes in seconds and the sign-in policy; each optional, defaults in instance.types.ts. */
class InstanceSettingsDto {
  @Optional() @IsInt() @Min(60) @Max(86_400)
  AccessTokenLifetime?: number;

  @Optional() @IsInt() @Min(60) @Max(86_400)
  IdentityTokenLifetime?: number;

  @Optional() @IsInt() @Min(10) @Max(600)
  AuthorizationCodeLifetime?: number;

  @Optional() @IsInt() @Min(300) @Max(365 * 86_400)
  RefreshTokenLifetime?: number;

  @Optional() @IsInt() @Min(60) @Max(30 * 86_400)
  SessionIdleTimeout?: number;

  @Optional() @IsInt() @Min(60) @Max(365 * 86_400)
  SessionAbsoluteLifetime?: number;

  @Optional() @IsInt() @Min(60) @Max(10 * 365 * 86_400)
  ReferenceTokenMaxLifetime?: number;

  @Optional() @IsInt() @Min(0) @Max(100)
  SignInMaxFailures?: number;

  @Optional() @IsInt() @Min(1) @Max(86_400)
  SignInLockoutSeconds?: number;

  @Optional() @IsInt() @Min(1) @Max(1_000_000)
  SignInRateLimitPerIp?: number;

  @Optional() @IsInt() @Min(1) @Max(1_000_000)
  SignInRateLimitPerAccount?: number;

  @Optional() @IsInt() @Min(1) @Max(1_000_000)
  TokenRateLimitPerClient?: number;

  @Optional() @IsInt() @Min(1) @Max(1_000_000)
  TokenRateLimitPerIp?: number;

  @Optional() @IsInt() @Min(1) @Max(3600)
  RateLimitWindowSeconds?: number;
}

export class ExternalProviderDto {
  @IsString() @Matches(/^[a-z0-9][a-z0-9-]{0,49}$/, { message: 'Name must be 1-50 lower-case letters, digits or dashes' })
  Name: string;

  @Optional() @IsString() @MaxLength(100)
  DisplayName?: string;

  @IsUrl(URL_OPTIONS)
  Issuer: string;

  @IsString() @IsNotEmpty() @MaxLength(500)
  ClientId: string;

  /** Write-only; left out on update, the stored secret of the provider with this Name is kept. */
  @Optional() @IsString() @IsNotEmpty() @MaxLength(1000)
  ClientSecret?: string;

  @Optional() @IsString() @MaxLength(200)
  TenantId?: string;
}

const HOSTS_MESSAGE = { each: true, message: 'each host must be a DNS host name without scheme or port' };

class InstanceCommonDto extends InstanceSettingsDto {
  @Optional() @IsIn(INSTANCE_TYPES)
  Type?: InstanceType;

  /** Each Type once: auto-discovery answers one site per kind. */
  @Optional() @IsArray() @ArrayMaxSize(50) @ValidateNested({ each: true }) @Type(() => WebSiteDto)
  @ArrayUnique((site: WebSiteDto) => (typeof site?.Type === 'string' ? site.Type.toLowerCase() : site?.Type), { message: 'WebSites must name each Type once' })
  WebSites?: WebSiteDto[];

  @Optional() @IsBoolean()
  ErpNetIdSignInEnabled?: boolean;

  @Optional() @IsArray() @ArrayMaxSize(20) @ValidateNested({ each: true }) @Type(() => ExternalProviderDto)
  ExternalProviders?: ExternalProviderDto[];
}

export class InstanceCreateDto extends InstanceCommonDto {
  @IsString() @Matches(NAME, { message: 'Name must be 1-100 letters, digits, dots, dashes or underscores' })
  Name: string;

  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(50) @IsString({ each: true }) @IsHostName(HOSTS_MESSAGE)
  Hosts: string[];

  @IsString() @IsNotEmpty() @MaxLength(200)
  Database: string;
}

export class InstanceUpdateDto extends InstanceCommonDto {
  @Optional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(50) @IsString({ each: true }) @IsHostName(HOSTS_MESSAGE)
  Hosts?: string[];

  @Optional() @IsString() @IsNotEmpty() @MaxLength(200)
  Database?: string;
}
