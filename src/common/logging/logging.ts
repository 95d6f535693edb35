import type { IncomingMessage, ServerResponse } from 'node:http';
import { Logger as PinoNestLogger, PinoLogger, type Params } from 'nestjs-pino';
import pino, { type DestinationStream, type Logger as Pino } from 'pino';
import type { Options as HttpLoggerOptions } from 'pino-http';
import type { AppConfig } from '../../config/app-config';
import { REDACTED, redactPaths, safeUrl, scrubText } from './redaction';

/** Framework start-up chatter (one line per module and route) is debug, not info. */
const FRAMEWORK_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication']);

/** Paths polled by load balancers and scrapers: no access log line of their own. */
const QUIET_PATHS = /^\/(healthz|readyz|metrics)(\?|$)/;

type RawRequest = IncomingMessage & { id?: string; ip?: string; originalUrl?: string };

/** Nest's LoggerService on pino; `new Logger(context)` anywhere in the code ends up here. */
export class AppLogger extends PinoNestLogger {
  override log(message: unknown, ...optionalParams: unknown[]): void {
    const context = optionalParams[optionalParams.length - 1];
    if (typeof context === 'string' && FRAMEWORK_CONTEXTS.has(context)) return super.debug(message, ...optionalParams);
    super.log(message, ...optionalParams);
  }
}

export interface Logging {
  /** The root pino logger. */
  root: Pino;
  /** nestjs-pino's module parameters (its pino-http middleware logs each request and binds `reqId`). */
  params: Params;
  /** For NestFactory.create({ logger }) and app.useLogger. */
  nestLogger: AppLogger;
}

/**
 * JSON logs through pino: `level` as a name, ISO `time`, `reqId` on every line written while a
 * request is handled, and no secrets (headers are never logged, URLs keep only allow-listed query
 * values, sensitive keys are redacted, sensitive URL parameters quoted in messages are scrubbed).
 *
 * nestjs-pino keeps the first root logger of the process for logs made outside a request: one
 * server per process, as in production and in each test file.
 */
export function createLogging(config: Pick<AppConfig, 'logLevel'>, destination?: DestinationStream): Logging {
  const root = pino(
    {
      level: config.logLevel,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: redactPaths(), censor: REDACTED },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? scrubText(a) : a)) as Parameters<typeof method>);
        },
      },
    },
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
  const http: HttpLoggerOptions<RawRequest, ServerResponse> = {
    logger: root,
    // Fastify assigned the id (requestIdFor); middie copied it to the raw request.
    genReqId: (req) => req.id ?? '',
    quietReqLogger: true,
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessMessage: (req, res, time) => `${req.method} ${safeUrl(req.originalUrl ?? req.url).split('?')[0]} ${res.statusCode} ${time}ms`,
    customErrorMessage: (req, res) => `${req.method} ${safeUrl(req.originalUrl ?? req.url).split('?')[0]} ${res.statusCode}`,
    autoLogging: { ignore: (req) => QUIET_PATHS.test(req.originalUrl ?? req.url ?? '') },
    serializers: {
      req: (req: { method: string; url: string; headers: Record<string, unknown>; remoteAddress?: string; raw?: RawRequest }) => ({
        method: req.method,
        url: safeUrl(req.raw?.originalUrl ?? req.url),
        host: req.headers?.host,
        ip: req.raw?.ip ?? req.remoteAddress,
        userAgent: req.headers?.['user-agent'],
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  };
  const params: Params = { pinoHttp: http as Params['pinoHttp'] };
  return { root, params, nestLogger: new AppLogger(new PinoLogger(params), params) };
}
