import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { InstanceEntity } from '../instances/instance.entity';

export type UserType = 'InternalUser' | 'ExternalCommunityUser' | 'SystemUserNoLogin';
export const USER_TYPES: readonly UserType[] = ['InternalUser', 'ExternalCommunityUser', 'SystemUserNoLogin'];

/** An instance user (Sec_Users). `id` is the `sub_id` claim, `login` the `sub`. */
@Entity('users')
export class UserEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  instanceId: string;

  @ManyToOne(() => InstanceEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'instance_id' })
  instance?: InstanceEntity;

  @Column({ type: 'text' })
  login: string;

  @Column({ type: 'text', nullable: true })
  email: string | null;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text', nullable: true, select: false })
  passwordHash: string | null;

  @Column({ type: 'text', default: 'InternalUser' })
  userType: UserType;

  @Column({ type: 'boolean', default: false })
  isAdmin: boolean;

  @Column({ type: 'text', nullable: true })
  locale: string | null;

  @Column({ type: 'boolean', default: false })
  emailVerified: boolean;

  @Column({ type: 'boolean', default: true })
  active: boolean;

  /** ERP.net ID's optional profile: phone, company and the registration message. */
  @Column({ type: 'text', nullable: true })
  phone: string | null;

  @Column({ type: 'text', nullable: true })
  company: string | null;

  @Column({ type: 'text', nullable: true })
  registrationMessage: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
