import { randomBytes } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { hashSecret } from '@app/oauth-core';
import { InstancesService } from '../instances/instances.service';
import { TrustedApplicationsService } from '../trusted-applications/trusted-applications.service';
import { UsersService } from '../users/users.service';

export interface DemoCredentials {
  clientId: string;
  clientSecret: string;
  userLogin: string;
  userPassword: string;
}

/** On an empty database: the global ERP.net ID authority, the testdb instance, an application and a user. */
@Injectable()
export class DemoSeedService {
  private readonly logger = new Logger('Demo');

  constructor(
    private readonly instances: InstancesService,
    private readonly applications: TrustedApplicationsService,
    private readonly users: UsersService,
  ) {}

  async seedIfEmpty(): Promise<DemoCredentials | undefined> {
    if ((await this.instances.list()).length > 0) return undefined;
    this.logger.log('empty database: creating the demo instances');
    await this.instances.create({ Name: 'erpnet-id', Hosts: ['id.localhost'], Database: 'ERPNET_ID', Type: 'Global' });
    const testdb = await this.instances.create({
      Name: 'testdb',
      Hosts: ['testdb.localhost'],
      Database: 'E1_TESTDB',
      Type: 'Instance',
      ErpNetIdSignInEnabled: true,
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
