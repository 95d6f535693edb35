import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A signed-in browser at one instance. `sid` is public (the sid claim); only the cookie's hash is stored. */
@Entity('sessions')
export class SessionEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  instanceId: string;

  @Column({ type: 'text' })
  sid: string;

  @Column({ type: 'text' })
  cookieHash: string;

  @Column({ type: 'uuid' })
  userId: string;

  @Column({ type: 'timestamptz' })
  authTime: Date;

  @Column({ type: 'jsonb' })
  amr: string[];

  @Column({ type: 'text' })
  idp: string;

  @Column({ type: 'text', nullable: true })
  tid: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'timestamptz' })
  lastSeenAt: Date;

  @Column({ type: 'timestamptz' })
  expiresAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  endedAt: Date | null;

  /** For a federated sign-in: the upstream's issuer and session id (its ID token's sid). */
  @Column({ type: 'text', nullable: true })
  upstreamIssuer: string | null;

  @Column({ type: 'text', nullable: true })
  upstreamSid: string | null;

  /** The upstream's ID token, AES-256-GCM encrypted: the id_token_hint for signing out there too. */
  @Column({ type: 'text', nullable: true })
  upstreamIdToken: string | null;

  /** `{scheme}://{host}` the session was opened at (its issuer's origin); null for sessions older than the column. */
  @Column({ type: 'text', nullable: true })
  origin: string | null;
}
