import { Injectable } from '@nestjs/common';
import { leftHalfHash } from '@app/oauth-core';
import { Clock } from '../../common/crypto/clock';
import { randomHexId } from '../../common/crypto/random';
import type { Tenant } from '../../common/tenant/tenant';
import { TokenSigner } from '../keys/token-signer.service';
import type { TrustedApplicationEntity } from '../trusted-applications/trusted-application.entity';
import type { UserEntity } from '../users/user.entity';
import { accessTokenAudience, registeredClaims } from './access-token';
import { requestedClaimNames, type ClaimsRequest } from './claims-request';
import { identityClaims, subjectOf } from './user-claims';

/** The idp of a session signed in here, with a password (not federated). */
export const LOCAL_IDP = 'local';

/** What a user granted an application, carried from authorize through codes and refresh tokens. */
export interface UserGrant {
  scopes: string[];
  sid: string;
  authTime: Date;
  amr: string[];
  idp: string;
  tid?: string | null;
  claims?: ClaimsRequest | null;
}

export interface IssuedAccessToken {
  token: string;
  jti: string;
  expiresIn: number;
}

/**
 * A new access token id, the same kind as registeredClaims' own (16 random bytes, upper-case hex),
 * for a caller that stores the jti before the token is signed.
 */
export function newAccessTokenId(): string {
  return randomHexId(16);
}

/** Builds and signs the tokens issued for a signed-in user (the seed's user-flow claims). */
@Injectable()
export class UserTokensService {
  constructor(
    private readonly signer: TokenSigner,
    private readonly clock: Clock,
  ) {}

  /**
   * External (community) users get an access token whose audience is only the instance's own
   * resources: no Domain or Table API accepts it, but userinfo does.
   */
  async accessToken(
    tenant: Tenant,
    client: TrustedApplicationEntity,
    user: UserEntity,
    grant: UserGrant,
    options: {
      /** The jti, when the caller recorded it before signing (see newAccessTokenId); else a new one. */
      jti?: string;
    } = {},
  ): Promise<IssuedAccessToken> {
    const lifetime = tenant.settings.AccessTokenLifetime;
    const now = this.clock.epochSeconds();
    const dataApis = user.userType === 'InternalUser';
    const registered = registeredClaims(tenant, now, lifetime, accessTokenAudience(tenant, { dataApis }));
    // Replaced in place: the claim keeps its position in the payload.
    if (options.jti) registered.jti = options.jti;
    const token = await this.signer.sign(
      tenant,
      Object.assign(registered, {
        client_id: client.applicationUri,
        sub: subjectOf(tenant, user),
        sub_id: user.id,
        sid: grant.sid,
        auth_time: Math.floor(grant.authTime.getTime() / 1000),
        // In the access token only for a federated sign-in (the ERP.net claim table: "external IdP only").
        ...(grant.idp !== LOCAL_IDP ? { idp: grant.idp } : {}),
        ...(grant.tid ? { tid: grant.tid } : {}),
        amr: grant.amr,
        name: user.name,
        ...(user.email ? { email: user.email, email_verified: user.emailVerified } : {}),
        ...(user.locale ? { locale: user.locale } : {}),
        user_type: user.userType,
        is_admin: user.isAdmin,
        db: tenant.database,
        scope: grant.scopes,
        // The OIDC claims parameter's userinfo member, for the userinfo endpoint (OIDC Core §5.5).
        ...(requestedClaimNames(grant.claims, 'userinfo').length ? { userinfo_claims: requestedClaimNames(grant.claims, 'userinfo') } : {}),
      }),
      'at+jwt',
    );
    return { token, jti: registered.jti as string, expiresIn: lifetime };
  }

  /** OIDC Core §2 ID token; the hashes bind it to the artifacts issued beside it (§3.3.2.11). */
  async idToken(
    tenant: Tenant,
    client: TrustedApplicationEntity,
    user: UserEntity,
    grant: UserGrant,
    extra: { nonce?: string | null; accessToken?: string; code?: string; state?: string },
  ): Promise<string> {
    const now = this.clock.epochSeconds();
    return this.signer.sign(
      tenant,
      {
        iss: tenant.issuer,
        sub: subjectOf(tenant, user),
        aud: client.applicationUri,
        iat: now,
        nbf: now,
        exp: now + tenant.settings.IdentityTokenLifetime,
        auth_time: Math.floor(grant.authTime.getTime() / 1000),
        ...(extra.nonce ? { nonce: extra.nonce } : {}),
        sid: grant.sid,
        amr: grant.amr,
        idp: grant.idp,
        ...(grant.tid ? { tid: grant.tid } : {}),
        ...(extra.accessToken ? { at_hash: leftHalfHash(extra.accessToken) } : {}),
        ...(extra.code ? { c_hash: leftHalfHash(extra.code) } : {}),
        ...(extra.state ? { s_hash: leftHalfHash(extra.state) } : {}),
        ...identityClaims(tenant, user, grant.scopes, requestedClaimNames(grant.claims, 'id_token')),
      },
      'JWT',
    );
  }
}
