import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { InstanceEntity } from './instance.entity';

/** One row per host name; the primary key makes a host belong to at most one instance. */
@Entity('instance_hosts')
export class InstanceHostEntity {
  @PrimaryColumn({ type: 'text' })
  host: string;

  @Index('idx_instance_hosts_instance_id')
  @Column({ type: 'uuid' })
  instanceId: string;

  @Column({ type: 'int', default: 0 })
  position: number;

  @ManyToOne(() => InstanceEntity, (i) => i.hosts, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'instance_id' })
  instance: InstanceEntity;
}
