import { Injectable } from '@nestjs/common';
import { errors as joseErrors, jwtVerify, type JWTHeaderParameters, type JWTPayload, type KeyLike } from 'jose';
import { Clock } from '../../common/crypto/clock';
import { isDatabaseUnavailable } from '../../common/database-errors';
import { InvalidToken } from '../../common/oauth/errors';
import type { Tenant } from '../../common/tenant/tenant';
import { KeysService } from '../keys/keys.service';

/** Our own nodes may disagree on the time by a little. */
const CLOCK_TOLERANCE_SECONDS = 5;

/**
 * Fully validates an access token that this instance issued: RS256 only, typ at+jwt, signed by a
 * key this instance publishes (found by kid among its keys, never another instance's), iss equal
 * to the instance's issuer, aud including `{iss}/resources` (every access token carries it), and
 * exp/nbf/iat with a small tolerance. Any failure is InvalidToken with the reason as its cause; only a
 * database that cannot be reached is thrown as it is, so that it is not mistaken for a bad token.
 */
@Injectable()
export class AccessTokenVerifier {
  constructor(
    private readonly keys: KeysService,
    private readonly clock: Clock,
  ) {}

  async verify(tenant: Tenant, token: string): Promise<JWTPayload> {
    try {
      const { payload } = await jwtVerify(token, (header) => this.key(tenant, header), {
        algorithms: ['RS256'],
        typ: 'at+jwt',
        issuer: tenant.issuer,
        audience: `${tenant.issuer}/resources`,
        requiredClaims: ['exp', 'iat', 'client_id'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        currentDate: this.clock.now(),
      });
      // jose checks iat only together with maxTokenAge; we never issue a token dated in the future.
      if ((payload.iat as number) > this.clock.epochSeconds() + CLOCK_TOLERANCE_SECONDS) throw new joseErrors.JWTClaimValidationFailed('"iat" is in the future', payload, 'iat', 'check_failed');
      return payload;
    } catch (cause) {
      if (isDatabaseUnavailable(cause)) throw cause;
      throw new InvalidToken('the access token is invalid or expired', { cause });
    }
  }

  private async key(tenant: Tenant, header: JWTHeaderParameters): Promise<KeyLike> {
    if (typeof header.kid !== 'string' || !header.kid) throw new joseErrors.JWSInvalid('the token has no kid');
    const key = await this.keys.publicKey(tenant.id, header.kid);
    if (!key) throw new joseErrors.JWKSNoMatchingKey('no published key of this instance has this kid');
    return key;
  }
}
