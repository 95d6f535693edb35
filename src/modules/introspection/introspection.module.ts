import { Module } from '@nestjs/common';
import { ReferenceTokensModule } from '../reference-tokens/reference-tokens.module';
import { TokenModule } from '../token/token.module';
import { TokensModule } from '../tokens/tokens.module';
import { UserTokensModule } from '../tokens/user-tokens.module';
import { TrustedApplicationsModule } from '../trusted-applications/trusted-applications.module';
import { UsersModule } from '../users/users.module';
import { IntrospectionController } from './introspection.controller';
import { IntrospectionService } from './introspection.service';

/** POST /id/connect/introspect (RFC 7662). */
@Module({
  imports: [TokenModule, TokensModule, UserTokensModule, ReferenceTokensModule, TrustedApplicationsModule, UsersModule],
  controllers: [IntrospectionController],
  providers: [IntrospectionService],
})
export class IntrospectionModule {}
