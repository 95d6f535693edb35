import { Module } from '@nestjs/common';
import { AuthorizeModule } from '../authorize/authorize.module';
import { MailModule } from '../mail/mail.module';
import { SessionModule } from '../session/session.module';
import { SessionStoreModule } from '../session/session-store.module';
import { SignInFailuresModule } from '../sign-in-policy/sign-in-failures.module';
import { SignInPolicyModule } from '../sign-in-policy/sign-in-policy.module';
import { UsersModule } from '../users/users.module';
import { AccountTokensRepository } from './account-tokens.repository';
import { AccountsController } from './accounts.controller';
import { AccountsService } from './accounts.service';

/** ERP.net ID: the Global authority's personal accounts. */
@Module({
  imports: [AuthorizeModule, MailModule, SessionModule, SessionStoreModule, SignInFailuresModule, SignInPolicyModule, UsersModule],
  controllers: [AccountsController],
  providers: [AccountsService, AccountTokensRepository],
})
export class AccountsModule {}
