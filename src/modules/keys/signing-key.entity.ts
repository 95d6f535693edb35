import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import type { JWK } from 'jose';
import { InstanceEntity } from '../instances/instance.entity';

/**
 * An instance's RSA signing key. Its state follows from the dates (see key-state.ts):
 * published from creation, signing from `activatesAt`, retired at `retiresAt`,
 * and unpublished at `expiresAt`, once every token it signed has expired.
 */
@Entity('signing_keys')
@Index('idx_signing_keys_instance_id', ['instanceId'])
export class SigningKeyEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  instanceId: string;

  @ManyToOne(() => InstanceEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'instance_id' })
  instance?: InstanceEntity;

  @Column({ type: 'text', unique: true })
  kid: string;

  @Column({ type: 'jsonb' })
  publicJwk: JWK;

  /** PKCS#8 DER, AES-256-GCM encrypted under KEY_ENCRYPTION_KEY: iv(12) | tag(16) | ciphertext, base64. */
  @Column({ type: 'text' })
  privateKeyEncrypted: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'timestamptz' })
  activatesAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  retiresAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  expiresAt: Date | null;
}
