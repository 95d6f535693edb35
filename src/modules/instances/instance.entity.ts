import { Column, CreateDateColumn, Entity, OneToMany, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { InstanceHostEntity } from './instance-host.entity';
import type { InstanceSettings, InstanceType, StoredExternalProvider, WebSite } from './instance.types';

@Entity('instances')
export class InstanceEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Unique, case-insensitively (uq_instances_name). */
  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  type: InstanceType;

  /** The ERP.net database name, issued as the `db` / `client_db` claim. */
  @Column({ type: 'text' })
  database: string;

  @Column({ type: 'jsonb', default: () => "'[]'::jsonb" })
  webSites: WebSite[];

  @Column({ type: 'boolean', default: false })
  erpNetIdSignInEnabled: boolean;

  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  settings: Partial<InstanceSettings>;

  /** Upstream OpenID providers for sign-in; each client secret is encrypted (see external-providers.ts). */
  @Column({ type: 'jsonb', default: () => "'[]'::jsonb" })
  externalProviders: StoredExternalProvider[];

  @OneToMany(() => InstanceHostEntity, (h) => h.instance, { cascade: true })
  hosts: InstanceHostEntity[];

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
