import { Module } from '@nestjs/common';
import { AuthorizeModule } from '../authorize/authorize.module';
import { TokenModule } from '../token/token.module';
import { PushedAuthorizationController } from './pushed-authorization.controller';
import { PushedAuthorizationService } from './pushed-authorization.service';

/** POST /id/connect/par: pushed authorization requests (RFC 9126). */
@Module({
  imports: [AuthorizeModule, TokenModule],
  controllers: [PushedAuthorizationController],
  providers: [PushedAuthorizationService],
})
export class PushedAuthorizationModule {}
