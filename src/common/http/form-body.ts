import type { FastifyRequest } from 'fastify';
import type { RawParams } from '@app/oauth-core';
import { InvalidRequest } from '../oauth/errors';

/** The parameters of a back-channel POST, which OAuth requires as application/x-www-form-urlencoded. */
export function formBody(req: FastifyRequest): RawParams {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new InvalidRequest('the request body must be application/x-www-form-urlencoded');
  }
  const body = req.body;
  return body && typeof body === 'object' ? (body as RawParams) : {};
}
