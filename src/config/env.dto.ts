import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

// Decimal digits only: Number() would also read ' ' as 0, '0x50' as 80 and '1e3' as 1000.
const toInt = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
const toBool = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : value === true || value === 'true' || value === '1' ? true : value === false || value === 'false' || value === '0' ? false : value;

/** Every environment variable the server reads; `.env.example` lists the same. */
export class EnvDto {
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  PORT?: number;

  @IsOptional() @IsString() @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;

  @IsOptional() @IsString()
  DATA_DIR?: string;

  @IsOptional() @IsString() @Matches(/^.{16,}$/, { message: 'ADMIN_API_KEY must be at least 16 characters' })
  ADMIN_API_KEY?: string;

  @IsOptional() @IsString()
  @Matches(/^([A-Za-z0-9+/]{43}=|[A-Za-z0-9_-]{43}|[0-9a-fA-F]{64})$/, {
    message: 'KEY_ENCRYPTION_KEY must be 32 bytes as 64 hex characters or base64',
  })
  KEY_ENCRYPTION_KEY?: string;

  /** true/1 (one hop), false/0, a hop count, or addresses and CIDRs: read by parseProxyTrust. */
  @IsOptional() @IsString()
  TRUST_PROXY?: string;

  @IsOptional() @Transform(toBool) @IsBoolean()
  SEED_DEMO?: boolean;

  @IsOptional() @Transform(toInt) @IsInt() @Min(0)
  KEY_PROPAGATION_DELAY_SECONDS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(0)
  CACHE_TTL_SECONDS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100)
  DB_POOL_SIZE?: number;

  /** Server processes on this machine (node:cluster); 1 serves from the main process. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(256)
  WORKERS?: number;

  /** smtp://user:pass@host:port or smtps://…; absent: mail goes to the outbox table and the log. */
  @IsOptional() @IsString() @Matches(/^smtps?:\/\//, { message: 'SMTP_URL must be an smtp:// or smtps:// URL' })
  SMTP_URL?: string;

  @IsOptional() @IsString()
  MAIL_FROM?: string;

  /** Seconds a client has to send a whole request, headers and body (408 after); slow senders cannot hold connections. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(3600)
  REQUEST_TIMEOUT_SECONDS?: number;

  /** false: every request goes through Fastify and Nest, the hot routes too (src/fast-lane). */
  @IsOptional() @Transform(toBool) @IsBoolean()
  FAST_LANE?: boolean;

  /** Seconds between purges of expired codes, tokens, sessions and links on each node; 0: only POST /admin/v1/housekeeping. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(604800)
  HOUSEKEEPING_INTERVAL_SECONDS?: number;

  /** Days the audit log keeps an event; 0 (the default) keeps them all. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(36500)
  AUDIT_RETENTION_DAYS?: number;

  /** Days an instance's newest key signs before housekeeping rotates its keys; 0: only POST …/keys/rotate. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(3650)
  KEY_ROTATION_DAYS?: number;

  @IsOptional() @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL?: string;
}
