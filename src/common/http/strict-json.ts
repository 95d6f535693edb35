import { isUtf8 } from 'node:buffer';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * Replaces the JSON body parser (after app.init(), which registers Nest's) with one that refuses a
 * body that is not valid UTF-8 (RFC 8259 §8.1) with 400, instead of decoding it with U+FFFD in
 * place of each bad byte and storing that. Everything else is Fastify's parser as before: the
 * body limit, and 400 for __proto__ and constructor.prototype keys.
 */
export function useStrictJsonParser(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: fastify.initialConfig.bodyLimit }, (request, body, done) => {
    if (!isUtf8(body as Buffer)) {
      done(Object.assign(new Error('the JSON body is not valid UTF-8'), { statusCode: 400 }), undefined);
      return;
    }
    parseJson(request, (body as Buffer).toString('utf8'), done);
  });
}
