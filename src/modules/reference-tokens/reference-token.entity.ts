import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { InstanceEntity } from '../instances/instance.entity';
import { TrustedApplicationEntity } from '../trusted-applications/trusted-application.entity';
import { UserEntity } from '../users/user.entity';

/** PAT: acts for a user. SAT: acts for a Trusted Application through its SystemUser. */
export type ReferenceTokenKind = 'PAT' | 'SAT';
export const REFERENCE_TOKEN_KINDS: readonly ReferenceTokenKind[] = ['PAT', 'SAT'];

/**
 * An opaque, manually issued reference token. Only sha256(token) is stored; the token is shown
 * once, when issued. Deleting its instance, application or user deletes it (ON DELETE CASCADE).
 */
@Entity('reference_tokens')
@Index('idx_reference_tokens_instance_id', ['instanceId', 'createdAt'])
export class ReferenceTokenEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  instanceId: string;

  @ManyToOne(() => InstanceEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'instance_id' })
  instance?: InstanceEntity;

  @Column({ type: 'text' })
  kind: ReferenceTokenKind;

  /** sha256(token) as lower-case hex; unique (uq_reference_tokens_token_hash), the lookup key. */
  @Index('uq_reference_tokens_token_hash', { unique: true })
  @Column({ type: 'text', select: false })
  tokenHash: string;

  @Index('idx_reference_tokens_application_id')
  @Column({ type: 'uuid' })
  applicationId: string;

  @ManyToOne(() => TrustedApplicationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'application_id' })
  application?: TrustedApplicationEntity;

  /** The user the token acts for: a PAT's user, or a SAT's SystemUser at issue time. */
  @Index('idx_reference_tokens_user_id')
  @Column({ type: 'uuid' })
  userId: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: UserEntity;

  /** Space-separated, a subset of the application's Scope when issued. */
  @Column({ type: 'text', default: '' })
  scope: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'timestamptz' })
  expiresAt: Date;

  /** Written at most about once a minute per token and server process (see ReferenceTokensService). */
  @Column({ type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
