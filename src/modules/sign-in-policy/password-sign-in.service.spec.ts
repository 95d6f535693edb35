// Entities first, in their safe order: instance.entity and instance-host.entity import each other.
import '../../database/entities';
import type { AppConfig } from '../../config/app-config';
import type { Tenant } from '../../common/tenant/tenant';
import { DEFAULT_INSTANCE_SETTINGS } from '../instances/instance.types';
import type { UserEntity } from '../users/user.entity';
import type { UsersService } from '../users/users.service';
import { PasswordSignIn } from './password-sign-in.service';
import type { LockState, SignInFailuresRepository } from './sign-in-failures.repository';

const tenant = { id: 'i1', settings: { ...DEFAULT_INSTANCE_SETTINGS, SignInMaxFailures: 3, SignInLockoutSeconds: 60 } } as Tenant;
const john = { id: 'u1', login: 'john' } as UserEntity;

function setup(options: { state: LockState }) {
  const calls: string[] = [];
  const users = {
    findForSignIn: jest.fn(async (_i: string, name: string) => (name.toLowerCase() === 'john' ? john : null)),
    verifyPassword: jest.fn(async (user: UserEntity | null, password: string) => {
      calls.push('hash');
      return !!user && password === 'right';
    }),
  } as unknown as UsersService;
  const failures = {
    lockState: jest.fn(async () => (calls.push('lockState'), options.state)),
    recordFailure: jest.fn(async () => (calls.push('recordFailure'), { failures: 1, lockedUntil: null })),
    clear: jest.fn(async () => void calls.push('clear')),
  } as unknown as SignInFailuresRepository;
  const sut = new PasswordSignIn(users, failures, { keyEncryptionKey: Buffer.alloc(32, 7) } as AppConfig);
  return { sut, calls, failures };
}

describe(PasswordSignIn.name, () => {
  it.each([
    ['unknown name', 'nobody', 'right', 'none'],
    ['wrong password', 'john', 'wrong', 'none'],
    ['wrong password, failures counted', 'john', 'wrong', 'counting'],
    ['locked account, right password', 'john', 'right', 'locked'],
    ['locked account, wrong password', 'john', 'wrong', 'locked'],
  ] as const)('%s: null, after the same steps as any failure (lock check, password hash, count)', async (_name, username, password, state) => {
    const { sut, calls } = setup({ state });
    await expect(sut.verify(tenant, username, password)).resolves.toBeNull();
    expect(calls).toEqual(['lockState', 'hash', 'recordFailure']);
  });

  it('the right password of an account with failures counted: the user, and the count is cleared', async () => {
    const { sut, calls, failures } = setup({ state: 'counting' });
    await expect(sut.verify(tenant, 'john', 'right')).resolves.toBe(john);
    expect(calls).toEqual(['lockState', 'hash', 'clear']);
    expect(failures.clear).toHaveBeenCalledWith('i1', 'user:u1');
  });

  it('the right password with no failure counted: the user, and nothing written', async () => {
    const { sut, calls } = setup({ state: 'none' });
    await expect(sut.verify(tenant, 'john', 'right')).resolves.toBe(john);
    expect(calls).toEqual(['lockState', 'hash']);
  });

  it('counts an account by its id, an unknown name by a keyed hash of it (case-insensitive, never in clear)', async () => {
    const { sut, failures } = setup({ state: 'none' });
    await sut.verify(tenant, 'john', 'wrong');
    await sut.verify(tenant, ' Nobody ', 'wrong');
    await sut.verify(tenant, 'nobody', 'wrong');
    const subjects = (failures.recordFailure as jest.Mock).mock.calls.map((c) => c[1] as string);
    expect(subjects[0]).toBe('user:u1');
    expect(subjects[1]).toMatch(/^login:[A-Za-z0-9_-]{43}$/);
    expect(subjects[2]).toBe(subjects[1]);
    expect(subjects[1]).not.toContain('nobody');
    expect((failures.recordFailure as jest.Mock).mock.calls[0]).toEqual(['i1', 'user:u1', 'u1', 3, 60]);
  });

  it('SignInMaxFailures 0: no lock check and no counting', async () => {
    const { sut, calls } = setup({ state: 'locked' });
    await expect(sut.verify({ ...tenant, settings: { ...tenant.settings, SignInMaxFailures: 0 } }, 'john', 'right')).resolves.toBe(john);
    expect(calls).toEqual(['hash', 'clear']);
  });
});
