import { Module } from '@nestjs/common';
import { TokensModule } from '../tokens/tokens.module';
import { UserTokensModule } from '../tokens/user-tokens.module';
import { UsersModule } from '../users/users.module';
import { UserinfoController } from './userinfo.controller';
import { UserinfoService } from './userinfo.service';

@Module({
  imports: [TokensModule, UserTokensModule, UsersModule],
  controllers: [UserinfoController],
  providers: [UserinfoService],
})
export class UserinfoModule {}
