import { ServerSettingEntity } from '../modules/admin-auth/server-setting.entity';
import { InstanceHostEntity } from '../modules/instances/instance-host.entity';
import { InstanceEntity } from '../modules/instances/instance.entity';
import { ReferenceTokenEntity } from '../modules/reference-tokens/reference-token.entity';
import { SessionEntity } from '../modules/session/session.entity';
import { SigningKeyEntity } from '../modules/keys/signing-key.entity';
import { TrustedApplicationEntity } from '../modules/trusted-applications/trusted-application.entity';
import { UserEntity } from '../modules/users/user.entity';

export const ENTITIES = [
  InstanceEntity,
  InstanceHostEntity,
  SigningKeyEntity,
  TrustedApplicationEntity,
  UserEntity,
  ServerSettingEntity,
  ReferenceTokenEntity,
  SessionEntity,
];
