import { UnsupportedMediaTypeException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/**
 * The admin API is JSON over HTTP: a body of any other type (a form, text) is refused with 415
 * rather than read, since a form of strings could otherwise pass as a valid JSON body.
 */
export function assertJsonBody(request: FastifyRequest): void {
  if (request.body === undefined || request.body === null) return;
  const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') throw new UnsupportedMediaTypeException('the admin API takes JSON bodies (Content-Type: application/json)');
}
