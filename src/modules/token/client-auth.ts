import { Injectable } from '@nestjs/common';
import { MalformedBasicCredentials, parseBasicAuthorization, stringParam, verifySecret, type RawParams } from '@app/oauth-core';
import { InvalidClient, InvalidRequest } from '../../common/oauth/errors';
import type { Tenant } from '../../common/tenant/tenant';
import type { TrustedApplicationEntity } from '../trusted-applications/trusted-application.entity';
import { TrustedApplicationsService } from '../trusted-applications/trusted-applications.service';

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

export interface AuthenticatedClient {
  client: TrustedApplicationEntity;
  method: ClientAuthMethod;
}

/**
 * Authenticates the Trusted Application calling a back-channel endpoint (token, introspection,
 * revocation): client_secret_basic or client_secret_post for Confidential applications, the bare
 * client_id for Public ones. Unknown, disabled and wrong-secret all answer the same invalid_client.
 */
@Injectable()
export class ClientAuthenticator {
  constructor(private readonly applications: TrustedApplicationsService) {}

  async authenticate(tenant: Tenant, params: RawParams, authorization: string | undefined, options: { allowPublic: boolean }): Promise<AuthenticatedClient> {
    const realm = `Basic realm="${tenant.issuer}"`;
    const credentials = this.credentials(params, authorization, realm);
    const challenge = credentials.method === 'client_secret_basic' ? realm : undefined;
    const fail = (description: string): never => {
      const error = new InvalidClient(description);
      error.wwwAuthenticate = challenge;
      throw error;
    };
    const client = await this.applications.findByClientId(tenant.id, credentials.clientId);
    if (credentials.method === 'none') {
      if (!client || !client.isEnabled) fail('client authentication failed');
      if (client!.clientType !== 'Public' || !options.allowPublic) fail('client authentication is required');
      return { client: client!, method: 'none' };
    }
    // The secret is checked even for an unknown client, so timing does not tell which ids exist.
    // An empty secret is no secret, however it is sent (even if some hash happens to be of '').
    const secretOk = verifySecret(credentials.clientSecret!, client?.applicationSecretHash) && credentials.clientSecret !== '';
    if (!client || !client.isEnabled || !secretOk) fail('client authentication failed');
    return { client: client!, method: credentials.method };
  }

  private credentials(params: RawParams, authorization: string | undefined, realm: string): { clientId: string; clientSecret?: string; method: ClientAuthMethod } {
    let basic;
    try {
      basic = parseBasicAuthorization(authorization);
    } catch (e) {
      if (!(e instanceof MalformedBasicCredentials)) throw e;
      // The client used the Authorization header: 401 with a challenge of its scheme (RFC 6749 §5.2).
      const error = new InvalidClient(e.message);
      error.wwwAuthenticate = realm;
      throw error;
    }
    const bodyId = stringParam(params, 'client_id');
    const bodySecret = stringParam(params, 'client_secret');
    if (basic) {
      if (bodySecret !== undefined) throw new InvalidRequest('only one client authentication method may be used');
      if (bodyId !== undefined && bodyId !== basic.clientId) throw new InvalidRequest('client_id does not match the authenticated client');
      return { clientId: basic.clientId, clientSecret: basic.clientSecret, method: 'client_secret_basic' };
    }
    if (!bodyId) {
      const error = new InvalidClient('client authentication is required');
      // Some other Authorization scheme (Bearer, say) was tried: 401 says which one to use (RFC 6749 §5.2).
      if (authorization) error.wwwAuthenticate = realm;
      throw error;
    }
    if (bodySecret !== undefined) return { clientId: bodyId, clientSecret: bodySecret, method: 'client_secret_post' };
    return { clientId: bodyId, method: 'none' };
  }
}
