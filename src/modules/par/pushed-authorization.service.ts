import { Injectable } from '@nestjs/common';
import { stringParams, type RawParams } from '@app/oauth-core';
import { Clock } from '../../common/crypto/clock';
import { randomToken } from '../../common/crypto/random';
import { InvalidRequest } from '../../common/oauth/errors';
import type { Tenant } from '../../common/tenant/tenant';
import { AuthorizationError } from '../authorize/authorization.error';
import { AuthorizeService } from '../authorize/authorize.service';
import { PUSHED_REQUEST_URI_PREFIX, PushedRequestsRepository } from '../authorize/pushed-requests.repository';
import { ClientAuthenticator } from '../token/client-auth';

/**
 * Seconds a pushed request waits for the browser. RFC 9126 §2.2 suggests 5 to 600; a browser is
 * redirected at once, and a short life keeps a leaked request_uri of little use.
 */
export const PUSHED_REQUEST_LIFETIME_SECONDS = 90;

/** The parameters that authenticate the application: they are not part of the authorization request. */
const CLIENT_AUTHENTICATION = new Set(['client_secret']);

export interface PushedAuthorizationResponse {
  request_uri: string;
  expires_in: number;
}

/**
 * The pushed authorization request endpoint (RFC 9126): the application authenticates as at the
 * token endpoint and sends the authorization request's parameters, which are checked as the
 * authorization endpoint checks them, now, and answered in JSON; the browser then brings only
 * client_id and the request_uri.
 */
@Injectable()
export class PushedAuthorizationService {
  constructor(
    private readonly clients: ClientAuthenticator,
    private readonly authorize: AuthorizeService,
    private readonly pushed: PushedRequestsRepository,
    private readonly clock: Clock,
  ) {}

  async push(tenant: Tenant, body: RawParams, authorization: string | undefined): Promise<PushedAuthorizationResponse> {
    const { client } = await this.clients.authenticate(tenant, body, authorization, { allowPublic: true });
    const params: Record<string, unknown> = { client_id: client.applicationUri };
    for (const [name, value] of Object.entries(body)) if (!CLIENT_AUTHENTICATION.has(name) && name !== 'client_id') params[name] = value;
    if (params.request_uri !== undefined) throw new InvalidRequest('request_uri must not be pushed: it is what this endpoint answers with');

    let validated;
    try {
      validated = await this.authorize.validate(tenant, params);
    } catch (e) {
      // Here the application itself asked: the error goes back to it in JSON, never to a redirect_uri.
      if (e instanceof AuthorizationError) throw e.oauth;
      throw e;
    }
    const reference = randomToken(32);
    await this.pushed.store(tenant.id, reference, client.applicationUri, stringParams(validated.params), new Date(this.clock.now().getTime() + PUSHED_REQUEST_LIFETIME_SECONDS * 1000));
    return { request_uri: PUSHED_REQUEST_URI_PREFIX + reference, expires_in: PUSHED_REQUEST_LIFETIME_SECONDS };
  }
}
