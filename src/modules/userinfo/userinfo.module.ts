import { Module } from '@nestjs/common';
import { ReferenceTokensModule } from '../reference-tokens/reference-tokens.module';
import { TokensModule } from '../tokens/tokens.module';
import { UserTokensModule } from '../tokens/user-tokens.module';
import { TrustedApplicationsModule } from '../trusted-applications/trusted-applications.module';
import { UsersModule } from '../users/users.module';
import { UserinfoController } from './userinfo.controller';
import { UserinfoService } from './userinfo.service';

@Module({
  imports: [TokensModule, UserTokensModule, UsersModule, TrustedApplicationsModule, ReferenceTokensModule],
  controllers: [UserinfoController],
  providers: [UserinfoService],
})
export class UserinfoModule {}
