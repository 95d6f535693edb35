import { randomBytes, timingSafeEqual } from 'node:crypto';
import { sha256 } from '@app/oauth-core';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { ServerSettingEntity } from './server-setting.entity';

const SETTING = 'admin_api_key_sha256';


/**
 * The admin API key. Only its SHA-256 is kept: from ADMIN_API_KEY, or, without it, from a key
 * generated on first start, stored hashed, and shown once.
 */
@Injectable()
export class AdminKeyService {
  private hash?: Buffer;

  constructor(
    @InjectRepository(ServerSettingEntity) private readonly settings: Repository<ServerSettingEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Loads or creates the key's hash; returns the plaintext only when it was generated now. */
  async initialize(): Promise<string | undefined> {
    if (this.config.adminApiKey) {
      this.hash = sha256(this.config.adminApiKey);
      return undefined;
    }
    const stored = await this.settings.findOne({ where: { key: SETTING } });
    if (stored) {
      this.hash = Buffer.from(stored.value, 'hex');
      return undefined;
    }
    const key = `iis_admin_${randomBytes(24).toString('base64url')}`;
    // Another node may have generated one at the same moment: the first insert wins.
    await this.settings.createQueryBuilder().insert().values({ key: SETTING, value: sha256(key).toString('hex') }).orIgnore().execute();
    const winner = await this.settings.findOneOrFail({ where: { key: SETTING } });
    this.hash = Buffer.from(winner.value, 'hex');
    return timingSafeEqual(this.hash, sha256(key)) ? key : undefined;
  }

  /** Constant-time: both sides are 32-byte digests. */
  verify(presented: string): boolean {
    if (!this.hash) return false;
    return timingSafeEqual(sha256(presented), this.hash);
  }
}
