import Fastify from 'fastify';
import { requestContextOffWhenIdle } from './request-context';

describe('requestContextOffWhenIdle', () => {
  it('switches the request context off once the last request in flight is answered, not before', async () => {
    const app = Fastify();
    const onIdle = jest.fn();
    requestContextOffWhenIdle(app, onIdle);
    let releaseSlow!: () => void;
    const slowArrived = new Promise<void>((arrived) => {
      app.get('/slow', () => new Promise<string>((resolve) => {
        releaseSlow = () => resolve('slow');
        arrived();
      }));
    });
    app.get('/fast', async () => 'fast');
    await app.ready();

    const slow = app.inject('/slow');
    await slowArrived;
    expect((await app.inject('/fast')).body).toBe('fast');
    expect(onIdle).not.toHaveBeenCalled(); // /slow is still in flight
    releaseSlow();
    expect((await slow).body).toBe('slow');
    expect(onIdle).toHaveBeenCalledTimes(1);

    expect((await app.inject('/fast')).statusCode).toBe(200);
    expect(onIdle).toHaveBeenCalledTimes(2);
    await app.close();
  });

  it('counts a request whose handler fails like any other', async () => {
    const app = Fastify();
    const onIdle = jest.fn();
    requestContextOffWhenIdle(app, onIdle);
    app.get('/boom', async () => {
      throw new Error('boom');
    });
    expect((await app.inject('/boom')).statusCode).toBe(500);
    expect((await app.inject('/missing')).statusCode).toBe(404);
    expect(onIdle).toHaveBeenCalledTimes(2);
    await app.close();
  });
});
