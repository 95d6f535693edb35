import { Module } from '@nestjs/common';
import { KeysModule } from '../keys/keys.module';
import { TokenModule } from '../token/token.module';
import { AutoDiscoveryController } from './auto-discovery.controller';
import { DiscoveryController } from './discovery.controller';
import { DiscoveryService } from './discovery.service';

@Module({
  imports: [KeysModule, TokenModule],
  controllers: [DiscoveryController, AutoDiscoveryController],
  providers: [DiscoveryService],
})
export class DiscoveryModule {}
