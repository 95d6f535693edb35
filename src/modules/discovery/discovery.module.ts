import { Module } from '@nestjs/common';
import { KeysModule } from '../keys/keys.module';
import { TokenModule } from '../token/token.module';
import { AuthorizationServerMetadataController } from './authorization-server-metadata.controller';
import { AutoDiscoveryController } from './auto-discovery.controller';
import { DiscoveryController } from './discovery.controller';
import { DiscoveryService } from './discovery.service';

@Module({
  imports: [KeysModule, TokenModule],
  controllers: [DiscoveryController, AuthorizationServerMetadataController, AutoDiscoveryController],
  providers: [DiscoveryService],
})
export class DiscoveryModule {}
