import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { InstanceEntity } from '../instances/instance.entity';

export type ClientType = 'Confidential' | 'Public';
export type AccessTokensPolicy = 'None' | 'AuthenticatedUsers' | 'AdministratorsOnly';

/** A Trusted Application: the instance-side registration of an OAuth client (ERP.net attribute names). */
@Entity('trusted_applications')
@Index('uq_trusted_applications_instance_uri', ['instanceId', 'applicationUri'], { unique: true })
export class TrustedApplicationEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  instanceId: string;

  @ManyToOne(() => InstanceEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'instance_id' })
  instance?: InstanceEntity;

  @Column({ type: 'text' })
  name: string;

  /** The client_id. */
  @Column({ type: 'text' })
  applicationUri: string;

  @Column({ type: 'boolean', default: true })
  isEnabled: boolean;

  @Column({ type: 'boolean', default: false })
  impersonateAsInternalUserAllowed: boolean;

  @Column({ type: 'boolean', default: false })
  impersonateAsCommunityUserAllowed: boolean;

  /** Comma-separated exact redirect URIs. */
  @Column({ type: 'text', default: '' })
  impersonateLoginUrl: string;

  /** Comma-separated exact post-logout redirect URIs. */
  @Column({ type: 'text', default: '' })
  impersonateLogoutUrl: string;

  @Column({ type: 'text', default: 'Confidential' })
  clientType: ClientType;

  /** base64(sha256(secret)); never returned by the admin API. */
  @Column({ type: 'text', nullable: true })
  applicationSecretHash: string | null;

  @Column({ type: 'text', default: '' })
  scope: string;

  /** The SystemUser's Login (the column avoids SQL's reserved SYSTEM_USER). */
  @Column({ type: 'text', nullable: true, name: 'system_user_login' })
  systemUser: string | null;

  @Column({ type: 'boolean', default: false })
  systemUserAllowed: boolean;

  @Column({ type: 'text', default: 'None' })
  accessTokens: AccessTokensPolicy;

  @Column({ type: 'boolean', default: false })
  basicAuthenticationAllowed: boolean;

  /** May start the device authorization grant (RFC 8628); off unless the operator turns it on. */
  @Column({ type: 'boolean', default: false })
  deviceFlowAllowed: boolean;

  @Column({ type: 'text', nullable: true })
  backChannelLogoutUri: string | null;

  @Column({ type: 'text', nullable: true })
  frontChannelLogoutUri: string | null;

  @Column({ type: 'text', nullable: true })
  notes: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}

/**
 * A signed token names its application by ApplicationUri only: one issued before this application
 * was created (`iat`, in seconds) belongs to a deleted application of the same ApplicationUri.
 * (`iat` has whole seconds: a namesake created within the second of the old token's issue is not
 * told apart from it. Its codes and refresh tokens are deleted with it in any case.)
 */
export function issuedToThisApplication(application: Pick<TrustedApplicationEntity, 'createdAt'>, iat: unknown): boolean {
  return typeof iat === 'number' && iat >= Math.floor(application.createdAt.getTime() / 1000);
}
