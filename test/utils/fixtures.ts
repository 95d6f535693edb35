import { randomBytes } from 'node:crypto';
import { hashSecret } from '@app/oauth-core';
import { ADMIN_KEY, type TestServer, unique } from './test-server';

export const auth = { Authorization: `Bearer ${ADMIN_KEY}` };

export interface InstanceFixture {
  name: string;
  host: string;
  database: string;
}

export interface ApplicationFixture {
  clientId: string;
  clientSecret: string;
}

export async function createInstance(ts: TestServer, body: Record<string, unknown> = {}): Promise<InstanceFixture> {
  const name = unique('inst');
  const host = `${name}.test.local`;
  const database = `E1_${name.toUpperCase()}`;
  const res = await ts.http().post('/admin/v1/instances').set(auth).send({ Name: name, Hosts: [host], Database: database, Type: 'Instance', ...body });
  if (res.status !== 201) throw new Error(`createInstance: ${res.status} ${JSON.stringify(res.body)}`);
  return { name, host, database };
}

export async function createUser(ts: TestServer, instance: InstanceFixture, body: Record<string, unknown> = {}) {
  const res = await ts.http().post(`/admin/v1/instances/${instance.name}/users`).set(auth).send({ Login: unique('user'), Name: 'Test User', Password: 'correct horse battery', ...body });
  if (res.status !== 201) throw new Error(`createUser: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { Id: string; Login: string; Email: string | null; UserType: string };
}

export async function createApplication(ts: TestServer, instance: InstanceFixture, body: Record<string, unknown> = {}): Promise<ApplicationFixture & { body: Record<string, unknown> }> {
  const clientId = (body.ApplicationUri as string | undefined) ?? unique('app') + '.example.com';
  const clientSecret = randomBytes(24).toString('base64url');
  const res = await ts
    .http()
    .post(`/admin/v1/instances/${instance.name}/trusted-applications`)
    .set(auth)
    .send({ Name: 'Test application', ApplicationSecretHash: hashSecret(clientSecret), ...body, ApplicationUri: clientId });
  if (res.status !== 201) throw new Error(`createApplication: ${res.status} ${JSON.stringify(res.body)}`);
  return { clientId, clientSecret, body: res.body };
}

/** An instance with a system user and a Confidential application allowed to act as it. */
export async function clientCredentialsSetup(ts: TestServer, appBody: Record<string, unknown> = {}) {
  const instance = await createInstance(ts);
  const systemUser = await createUser(ts, instance, { Login: 'svc', UserType: 'InternalUser', Name: 'Service' });
  const app = await createApplication(ts, instance, { Scope: 'read update sec', SystemUser: 'svc', SystemUserAllowed: true, ...appBody });
  return { instance, systemUser, app };
}
