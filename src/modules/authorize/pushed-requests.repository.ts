import { sha256 } from '@app/oauth-core';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** The request_uri of a pushed authorization request is this prefix and a random reference (RFC 9126 §2.2). */
export const PUSHED_REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';

/** Pushed authorization requests (RFC 9126), stored by the hash of their reference. */
@Injectable()
export class PushedRequestsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async store(instanceId: string, reference: string, applicationUri: string, params: Record<string, string>, expiresAt: Date): Promise<void> {
    await this.db.query(
      `INSERT INTO pushed_authorization_requests (reference_hash, instance_id, application_uri, params, expires_at) VALUES ($1, $2, $3, $4, $5)`,
      [sha256(reference, 'hex'), instanceId, applicationUri, JSON.stringify(params), expiresAt],
    );
  }

  /**
   * The parameters pushed under `reference` by this application, if unexpired at `now`, taken in
   * one statement: a request_uri is used once (RFC 9126 §4), however many browsers bring it at
   * once. Another application's client_id consumes nothing.
   */
  async take(instanceId: string, reference: string, applicationUri: string, now: Date): Promise<Record<string, string> | null> {
    const [rows] = (await this.db.query(
      `DELETE FROM pushed_authorization_requests WHERE reference_hash = $1 AND instance_id = $2 AND application_uri = $3 AND expires_at > $4 RETURNING params`,
      [sha256(reference, 'hex'), instanceId, applicationUri, now],
    )) as [{ params: Record<string, string> }[], number];
    return rows[0]?.params ?? null;
  }
}
