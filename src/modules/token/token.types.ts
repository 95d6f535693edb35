import type { RawParams } from '@app/oauth-core';
import type { Tenant } from '../../common/tenant/tenant';
import type { TrustedApplicationEntity } from '../trusted-applications/trusted-application.entity';

export interface TokenRequestContext {
  tenant: Tenant;
  client: TrustedApplicationEntity;
  params: RawParams;
}

/** RFC 6749 §5.1 */
export interface TokenResponse {
  access_token?: string;
  token_type?: 'Bearer';
  expires_in?: number;
  refresh_token?: string;
  id_token?: string;
  scope?: string;
}

/** One grant type: the parameters it reads and its handler (opr lib/actions/grants/*). */
export interface Grant {
  readonly grantType: string;
  readonly parameters: ReadonlySet<string>;
  /** Public clients (no secret) may use it. */
  readonly allowsPublicClients: boolean;
  handle(ctx: TokenRequestContext): Promise<TokenResponse>;
}

export const GRANTS = Symbol('GRANTS');
