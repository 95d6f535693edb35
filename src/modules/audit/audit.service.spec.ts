import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { MetricsService } from '../metrics/metrics.service';
import { AuditService } from './audit.service';

describe(AuditService.name, () => {
  const metrics = { signInFailed: jest.fn() } as unknown as MetricsService;

  it('never fails the request: a database error becomes a warning', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const sut = new AuditService({ query: jest.fn().mockRejectedValue(new Error('connection terminated')) } as unknown as DataSource, metrics);
    await expect(sut.record({ actor: 'admin-api', action: 'user.created' })).resolves.toBeUndefined();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('user.created'));
    warn.mockRestore();
  });

  it('stores details without secrets, and clips long values', async () => {
    const query = jest.fn().mockResolvedValue([]);
    const sut = new AuditService({ query } as unknown as DataSource, metrics);
    await sut.record({ actor: 'x'.repeat(1000), action: 'user.created', instanceName: 'acme', details: { fields: ['Password'], Password: 'hunter2hunter2', nested: { refresh_token: 'rt' } } });
    const params = query.mock.calls[0][1] as unknown[];
    expect(params[1]).toBe('acme');
    expect((params[2] as string).length).toBe(320);
    expect(JSON.parse(params[5] as string)).toEqual({ fields: ['Password'], Password: '[REDACTED]', nested: { refresh_token: '[REDACTED]' } });
  });

  it('counts a refused sign-in in the metrics', async () => {
    const sut = new AuditService({ query: jest.fn().mockResolvedValue([]) } as unknown as DataSource, metrics);
    await sut.signInFailed({ id: 'i', name: 'acme' } as never, { ip: '10.0.0.1', id: 'r1' } as never, 'bob', 'invalid_credentials');
    expect(metrics.signInFailed).toHaveBeenCalledWith('acme', 'invalid_credentials');
  });
});
