import { Inject, Injectable, Logger } from '@nestjs/common';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { LRUCache } from 'lru-cache';
import { Issuer, Strategy, type TokenSet } from 'openid-client';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import type { Tenant } from '../../common/tenant/tenant';
import { deriveSecret } from '../../common/crypto/derived-secret';
import { seal, unseal } from '../../common/crypto/sealed';
import { decryptPrivateKey, encryptPrivateKey } from '../keys/key-encryption';
import type { StoredExternalProvider } from '../instances/instance.types';
import { providerAad } from '../instances/instances.service';
import { enabledProviders, externalCallbackUrl, externalLoggedOutUrl } from './external-providers';

const LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const UPSTREAM_ID_TOKEN_AAD = 'upstream-id-token';
const LOGOUT_STATE_TTL_SECONDS = 600;
import { randomToken } from '../../common/crypto/random';
import { runStrategy, type StrategyOutcome } from './passport-runner';

/** What an upstream says about the person, after openid-client validated its ID token. */
export interface ExternalIdentity {
  issuer: string;
  subject: string;
  email?: string;
  emailVerified: boolean;
  name?: string;
  /** The upstream session, for its back-channel logout. */
  sid?: string;
  /** The upstream's ID token, kept (encrypted) as the id_token_hint for signing out there. */
  idToken?: string;
}

/**
 * Sign-in through upstream OpenID providers (ERP.net ID and any other) with openid-client's passport
 * strategy: discovery by issuer URL, code flow with PKCE, state and nonce, ID token validation.
 * One strategy per instance and upstream, cached.
 */
@Injectable()
export class FederationService {
  private readonly logger = new Logger('Federation');
  private readonly issuers = new LRUCache<string, Promise<Issuer>>({ max: 1_000, ttl: 3_600_000 });
  private readonly strategies = new LRUCache<string, Strategy<ExternalIdentity>>({ max: 10_000, ttl: 3_600_000 });
  private readonly jwks = new LRUCache<string, ReturnType<typeof createRemoteJWKSet>>({ max: 1_000 });

  private readonly logoutKey: Buffer;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.logoutKey = deriveSecret(config.keyEncryptionKey, 'upstream-logout');
  }

  find(tenant: Tenant, name: string): StoredExternalProvider | undefined {
    return tenant.externalProviders.find((p) => p.Name === name);
  }

  /**
   * Runs the strategy: a redirect to the upstream first, then, on the callback, the validated
   * identity. `reauthenticate`: what the application asked of the sign-in here (prompt=login,
   * max_age), asked of the upstream in turn, so that a fresh authentication here is one there too
   * (openid-client then checks the upstream's auth_time against max_age).
   */
  async run(
    tenant: Tenant,
    provider: StoredExternalProvider,
    req: { method: string; url: string; body?: unknown },
    session: Record<string, unknown>,
    reauthenticate: { prompt?: 'login'; max_age?: number } = {},
  ): Promise<StrategyOutcome> {
    const strategy = await this.strategy(tenant, provider);
    // openid-client sends a nonce in the code flow only when asked: one per request, checked on the callback.
    return runStrategy(strategy, { ...req, session }, { nonce: randomToken(16), ...reauthenticate });
  }

  /**
   * Validates an upstream's back-channel logout token (OIDC Back-Channel Logout §2.6): signed with the
   * upstream's published key, our client id as audience, the logout event, a sid, and no nonce.
   */
  async verifyLogoutToken(tenant: Tenant, token: string): Promise<{ issuer: string; sid: string } | null> {
    let issuerClaim: unknown;
    try {
      issuerClaim = decodeJwt(token).iss;
    } catch {
      return null;
    }
    const provider = enabledProviders(tenant).find((p) => p.Issuer === issuerClaim);
    if (!provider) return null;
    try {
      const issuer = await this.discover(provider.Issuer);
      const { payload } = await jwtVerify(token, this.remoteKeys(issuer.metadata.jwks_uri!), {
        issuer: provider.Issuer,
        audience: provider.ClientId,
        algorithms: ['RS256'],
        typ: 'logout+jwt',
        maxTokenAge: '10m',
        clockTolerance: 60,
      });
      const events = payload.events as Record<string, unknown> | undefined;
      if (!events || typeof events[LOGOUT_EVENT] !== 'object' || payload.nonce !== undefined || typeof payload.sid !== 'string') return null;
      return { issuer: provider.Issuer, sid: payload.sid };
    } catch (e) {
      this.logger.warn(`rejected a logout token from ${provider.Issuer}: ${(e as Error).message}`);
      return null;
    }
  }

  /** Seals the upstream ID token for storage with the session. */
  sealIdToken(idToken: string): string {
    return encryptPrivateKey(Buffer.from(idToken, 'utf8'), this.config.keyEncryptionKey, UPSTREAM_ID_TOKEN_AAD);
  }

  /**
   * Where to send the browser so that the upstream ends its session too (RP-Initiated Logout at the
   * upstream): its end_session_endpoint with our stored ID token as the hint, coming back to
   * `{issuer}/account/external/logged-out`, which then goes on to `then`. Undefined when the session
   * did not come from an upstream, or the upstream has no end_session_endpoint.
   */
  async upstreamLogoutUrl(tenant: Tenant, session: { upstreamIssuer: string | null; upstreamIdToken: string | null }, then: string | undefined): Promise<string | undefined> {
    const provider = session.upstreamIssuer ? enabledProviders(tenant).find((p) => p.Issuer === session.upstreamIssuer) : undefined;
    if (!provider || !session.upstreamIdToken) return undefined;
    try {
      const issuer = await this.discover(provider.Issuer);
      const endpoint = issuer.metadata.end_session_endpoint;
      if (!endpoint) return undefined;
      const url = new URL(endpoint);
      url.searchParams.set('id_token_hint', decryptPrivateKey(session.upstreamIdToken, this.config.keyEncryptionKey, UPSTREAM_ID_TOKEN_AAD).toString('utf8'));
      url.searchParams.set('client_id', provider.ClientId);
      url.searchParams.set('post_logout_redirect_uri', externalLoggedOutUrl(tenant));
      url.searchParams.set('state', seal({ then: then ?? null, instance: tenant.id }, this.logoutKey, LOGOUT_STATE_TTL_SECONDS, Math.floor(Date.now() / 1000)));
      return url.toString();
    } catch (e) {
      this.logger.warn(`no sign-out at ${provider.Issuer}: ${(e as Error).message}`);
      return undefined;
    }
  }

  /**
   * Where the person goes after the upstream signed them out: the URL sealed into the state, if
   * any, and only at the instance that sealed it (the key is the deployment's: without the
   * instance, a state could be replayed at any host as a redirect to another instance's URL).
   */
  afterUpstreamLogout(tenant: Tenant, state: string | undefined): string | undefined {
    const opened = state ? unseal<{ then: string | null; instance?: string }>(state, this.logoutKey, Math.floor(Date.now() / 1000)) : undefined;
    return opened?.instance === tenant.id ? (opened.then ?? undefined) : undefined;
  }

  private remoteKeys(jwksUri: string) {
    let keys = this.jwks.get(jwksUri);
    if (!keys) {
      keys = createRemoteJWKSet(new URL(jwksUri));
      this.jwks.set(jwksUri, keys);
    }
    return keys;
  }

  private async strategy(tenant: Tenant, provider: StoredExternalProvider): Promise<Strategy<ExternalIdentity>> {
    const key = [tenant.id, tenant.issuer, provider.Name, provider.Issuer, provider.ClientId, provider.ClientSecretEncrypted].join('\n');
    const cached = this.strategies.get(key);
    if (cached) return cached;
    const issuer = await this.discover(provider.Issuer);
    const client = new issuer.Client({
      client_id: provider.ClientId,
      client_secret: decryptPrivateKey(provider.ClientSecretEncrypted, this.config.keyEncryptionKey, providerAad(provider.Name, provider.ClientId)).toString('utf8'),
      redirect_uris: [externalCallbackUrl(tenant)],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
      id_token_signed_response_alg: 'RS256',
    });
    const strategy = new Strategy<ExternalIdentity>(
      { client, params: { scope: 'openid profile email' }, usePKCE: 'S256', sessionKey: 'upstream' },
      (tokenset: TokenSet, done: (err: unknown, user?: ExternalIdentity) => void) => {
        const claims = tokenset.claims();
        done(null, {
          issuer: claims.iss,
          subject: claims.sub,
          email: typeof claims.email === 'string' ? claims.email : undefined,
          emailVerified: claims.email_verified === true,
          name: typeof claims.name === 'string' ? claims.name : undefined,
          sid: typeof claims.sid === 'string' ? claims.sid : undefined,
          idToken: tokenset.id_token,
        });
      },
    );
    this.strategies.set(key, strategy);
    return strategy;
  }

  private discover(issuerUrl: string): Promise<Issuer> {
    let pending = this.issuers.get(issuerUrl);
    if (!pending) {
      pending = Issuer.discover(issuerUrl);
      pending.catch((e: Error) => {
        this.logger.warn(`discovery of ${issuerUrl} failed: ${e.message}`);
        this.issuers.delete(issuerUrl);
      });
      this.issuers.set(issuerUrl, pending);
    }
    return pending;
  }
}
