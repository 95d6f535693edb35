export type InstanceType = 'Instance' | 'Global';
export const INSTANCE_TYPES: readonly InstanceType[] = ['Instance', 'Global'];

/** An entry of `/sys/auto-discovery` besides the ID site, as ERP.net lists them. */
export interface WebSite {
  Type: string;
  Status: string;
  Url: string;
  AdditionalProperties?: Record<string, string>;
}

/** Per-instance lifetimes and policies, in seconds. */
export interface InstanceSettings {
  AccessTokenLifetime: number;
  IdentityTokenLifetime: number;
  AuthorizationCodeLifetime: number;
  RefreshTokenLifetime: number;
  SessionIdleTimeout: number;
  SessionAbsoluteLifetime: number;
  ReferenceTokenMaxLifetime: number;
}

export const DEFAULT_INSTANCE_SETTINGS: InstanceSettings = {
  AccessTokenLifetime: 3600,
  IdentityTokenLifetime: 300,
  AuthorizationCodeLifetime: 60,
  RefreshTokenLifetime: 30 * 24 * 3600,
  SessionIdleTimeout: 8 * 3600,
  SessionAbsoluteLifetime: 7 * 24 * 3600,
  ReferenceTokenMaxLifetime: 365 * 24 * 3600,
};

export const SETTING_NAMES = Object.keys(DEFAULT_INSTANCE_SETTINGS) as (keyof InstanceSettings)[];
