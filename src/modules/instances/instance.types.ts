export type InstanceType = 'Instance' | 'Global';
export const INSTANCE_TYPES: readonly InstanceType[] = ['Instance', 'Global'];

/** An entry of `/sys/auto-discovery` besides the ID site, as ERP.net lists them. */
export interface WebSite {
  Type: string;
  Status: string;
  Url: string;
  AdditionalProperties?: Record<string, string>;
}

/** Per-instance lifetimes (in seconds) and policies. */
export interface InstanceSettings {
  AccessTokenLifetime: number;
  IdentityTokenLifetime: number;
  AuthorizationCodeLifetime: number;
  RefreshTokenLifetime: number;
  SessionIdleTimeout: number;
  SessionAbsoluteLifetime: number;
  ReferenceTokenMaxLifetime: number;
  /** Failed passwords in a row (within SignInLockoutSeconds) that lock an account; 0 turns lockout off. */
  SignInMaxFailures: number;
  /** How long a locked account stays locked, and how long a failed attempt is remembered. */
  SignInLockoutSeconds: number;
  /** Requests per RateLimitWindowSeconds, per client IP, to each sign-in form (login, register, forgot). */
  SignInRateLimitPerIp: number;
  /** Sign-in attempts per RateLimitWindowSeconds for one username, from any IP. */
  SignInRateLimitPerAccount: number;
  /** Requests per RateLimitWindowSeconds to each back-channel endpoint (token, introspect, revocation) per client_id and IP. */
  TokenRateLimitPerClient: number;
  /** Requests per RateLimitWindowSeconds to each back-channel endpoint per IP, whatever the client_id. */
  TokenRateLimitPerIp: number;
  /** The window of the rate limits above, in seconds. */
  RateLimitWindowSeconds: number;
}

export const DEFAULT_INSTANCE_SETTINGS: InstanceSettings = {
  AccessTokenLifetime: 3600,
  IdentityTokenLifetime: 300,
  AuthorizationCodeLifetime: 60,
  RefreshTokenLifetime: 30 * 24 * 3600,
  SessionIdleTimeout: 8 * 3600,
  SessionAbsoluteLifetime: 7 * 24 * 3600,
  ReferenceTokenMaxLifetime: 365 * 24 * 3600,
  SignInMaxFailures: 5,
  SignInLockoutSeconds: 900,
  SignInRateLimitPerIp: 60,
  SignInRateLimitPerAccount: 10,
  TokenRateLimitPerClient: 600,
  TokenRateLimitPerIp: 1200,
  RateLimitWindowSeconds: 60,
};

export const SETTING_NAMES = Object.keys(DEFAULT_INSTANCE_SETTINGS) as (keyof InstanceSettings)[];

/** The provider name of the global ERP.net ID authority among an instance's external providers. */
export const ERPNET_ID_PROVIDER = 'erpnet-id';

/** An upstream OpenID provider as an instance stores it. */
export interface StoredExternalProvider {
  Name: string;
  DisplayName?: string;
  /** Configured by issuer URL only; endpoints come from its discovery document. */
  Issuer: string;
  ClientId: string;
  /** AES-256-GCM under KEY_ENCRYPTION_KEY, never returned by the admin API. */
  ClientSecretEncrypted: string;
  /** An external tenant id (e.g. Azure AD's tid), issued as the tid claim. */
  TenantId?: string;
}
