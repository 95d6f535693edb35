import { Logger } from '@nestjs/common';
import { InvalidConfiguration, loadConfig } from './config/app-config';
import { createServer, printStartup } from './server';

async function main(): Promise<void> {
  const config = loadConfig();
  const server = await createServer(config);
  await server.app.listen(config.port, '0.0.0.0');
  printStartup(server, config, `http://localhost:${config.port}`);
}

main().catch((e) => {
  if (e instanceof InvalidConfiguration) console.error(e.message);
  else new Logger('Startup').error(e instanceof Error ? e.stack : String(e));
  process.exit(1);
});
