import type { Tenant } from '../../common/tenant/tenant';
import type { IdTokenHint } from '../session/id-token-hint';
import type { TrustedApplicationEntity } from '../trusted-applications/trusted-application.entity';
import type { ClaimsRequest } from '../tokens/claims-request';

export type ResponseMode = 'query' | 'fragment' | 'form_post';
export type ResponseTypePart = 'code' | 'token' | 'id_token';

/** Where errors may go once the client and its redirect_uri are verified (RFC 6749 §4.1.2.1). */
export interface RedirectTarget {
  redirectUri: string;
  responseMode: ResponseMode;
  state?: string;
  iss: string;
}

/** Built up by the checks, in order; each adds what it verified. */
export interface AuthorizeCheckContext {
  tenant: Tenant;
  params: Record<string, unknown>;
  client?: TrustedApplicationEntity;
  redirect?: RedirectTarget;
  responseTypes?: Set<ResponseTypePart>;
  scopes?: string[];
  nonce?: string;
  codeChallenge?: string;
  prompt?: Set<string>;
  maxAge?: number;
  claims?: ClaimsRequest;
  idTokenHint?: IdTokenHint;
}

export interface ValidatedAuthorizeRequest extends AuthorizeCheckContext {
  client: TrustedApplicationEntity;
  redirect: RedirectTarget;
  responseTypes: Set<ResponseTypePart>;
  scopes: string[];
  prompt: Set<string>;
}

export interface AuthorizeDeps {
  findClient(instanceId: string, clientId: string): Promise<TrustedApplicationEntity | null>;
  /** Null unless the token is an ID token of this instance (expired or not). */
  verifyIdTokenHint(tenant: Tenant, token: string): Promise<IdTokenHint | null>;
  /** The length of the token that carries the request through the sign-in page. */
  pendingRequestLength(params: Record<string, unknown>): number;
}

export type AuthorizeCheck = (ctx: AuthorizeCheckContext, deps: AuthorizeDeps) => void | Promise<void>;
