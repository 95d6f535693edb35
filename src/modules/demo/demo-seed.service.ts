import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { hashSecret } from '@app/oauth-core';
import { DATABASE_ENDPOINT } from '../../database/database.tokens';
import type { DatabaseEndpoint } from '../../database/data-source-options';
import { Transactions } from '../../database/transactions';
import { InstancesService } from '../instances/instances.service';
import { TrustedApplicationsService } from '../trusted-applications/trusted-applications.service';
import { UsersService } from '../users/users.service';

export interface DemoCredentials {
  clientId: string;
  clientSecret: string;
  userLogin: string;
  userPassword: string;
}

// Any constant works; it only has to be the same for every node that shares the database.
const SEED_LOCK = 7_263_514_002;

/** On an empty database: the global ERP.net ID authority, the testdb instance, an application and a user. */
@Injectable()
export class DemoSeedService {
  private readonly logger = new Logger('Demo');

  constructor(
    private readonly instances: InstancesService,
    private readonly applications: TrustedApplicationsService,
    private readonly users: UsersService,
    private readonly transactions: Transactions,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(DATABASE_ENDPOINT) private readonly endpoint: DatabaseEndpoint,
  ) {}

  /**
   * `port` makes the demo's URLs (ERP.net ID's issuer, the federation callback) match how it is
   * reached. One transaction: the demo is created whole or not at all. Nodes that start together
   * on an empty PostgreSQL take turns under an advisory lock, and the later ones find it there.
   */
  seedIfEmpty(port: number): Promise<DemoCredentials | undefined> {
    return this.transactions.run(async () => {
      if (!this.endpoint.embedded) await this.dataSource.query('SELECT pg_advisory_xact_lock($1)', [SEED_LOCK]);
      if ((await this.instances.list()).length > 0) return undefined;
      return this.seed(port);
    });
  }

  private async seed(port: number): Promise<DemoCredentials> {
    this.logger.log('empty database: creating the demo instances');
    const globalIssuer = `http://id.localhost:${port}/id`;
    const federationSecret = randomBytes(24).toString('base64url');
    const erpNetId = await this.instances.create({ Name: 'erpnet-id', Hosts: ['id.localhost'], Database: 'ERPNET_ID', Type: 'Global' });
    // testdb is a Trusted Application of ERP.net ID, so that its users can sign in with their ERP.net ID.
    await this.applications.create(erpNetId, {
      Name: 'testdb instance',
      ApplicationUri: 'testdb.localhost',
      ClientType: 'Confidential',
      ApplicationSecretHash: hashSecret(federationSecret),
      ImpersonateAsInternalUserAllowed: true,
      ImpersonateAsCommunityUserAllowed: true,
      ImpersonateLoginUrl: `http://testdb.localhost:${port}/id/account/external/callback`,
      ImpersonateLogoutUrl: `http://testdb.localhost:${port}/id/account/external/logged-out`,
      BackChannelLogoutUri: `http://testdb.localhost:${port}/id/account/external/backchannel-logout`,
    });
    const testdb = await this.instances.create({
      Name: 'testdb',
      Hosts: ['testdb.localhost'],
      Database: 'E1_TESTDB',
      Type: 'Instance',
      ErpNetIdSignInEnabled: true,
      ExternalProviders: [{ Name: 'erpnet-id', DisplayName: 'ERP.net ID', Issuer: globalIssuer, ClientId: 'testdb.localhost', ClientSecret: federationSecret }],
      WebSites: [
        { Type: 'DomainAPI', Status: 'Working', Url: 'http://testdb.localhost/api', AdditionalProperties: { ODataServiceRoot: 'http://testdb.localhost/api/domain/odata/' } },
        { Type: 'TableAPI', Status: 'Working', Url: 'http://testdb.localhost/api/tables' },
      ],
    });
    const credentials: DemoCredentials = {
      clientId: 'demo-app',
      clientSecret: randomBytes(24).toString('base64url'),
      userLogin: 'admin',
      userPassword: randomBytes(12).toString('base64url'),
    };
    await this.users.create(testdb, {
      Login: credentials.userLogin,
      Name: 'Demo Administrator',
      Email: 'admin@testdb.localhost',
      Password: credentials.userPassword,
      UserType: 'InternalUser',
      IsAdmin: true,
      EmailVerified: true,
      Locale: 'en-US',
    });
    await this.applications.create(testdb, {
      Name: 'Demo application',
      ApplicationUri: credentials.clientId,
      ClientType: 'Confidential',
      ApplicationSecretHash: hashSecret(credentials.clientSecret),
      Scope: 'read update',
      SystemUser: credentials.userLogin,
      SystemUserAllowed: true,
      ImpersonateAsInternalUserAllowed: true,
      ImpersonateAsCommunityUserAllowed: true,
      ImpersonateLoginUrl: 'http://localhost:8080/signin-callback',
      ImpersonateLogoutUrl: 'http://localhost:8080/signout-callback',
      AccessTokens: 'AuthenticatedUsers',
    });
    return credentials;
  }
}
