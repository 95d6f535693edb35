import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Server-wide values that are not per instance (the admin key's hash). */
@Entity('server_settings')
export class ServerSettingEntity {
  @PrimaryColumn({ type: 'text' })
  key: string;

  @Column({ type: 'text' })
  value: string;
}
