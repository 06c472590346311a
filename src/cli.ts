#!/usr/bin/env node
import { ConfigError, configFromCli, StartupError, USAGE } from './config.js';
import { startEmulatorServer } from './emulator.js';
import { FixtureError } from './fixtures/load.js';

async function main(): Promise<void> {
  const config = configFromCli(process.argv.slice(2), process.env);
  if (config === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  const emulator = await startEmulatorServer(config);
  process.stdout.write(`das-emulator ready on ${emulator.url}\n`);
  const shutdown = (signal: string) => {
    process.stderr.write(`das-emulator: ${signal}, shutting down\n`);
    emulator.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`das-emulator: shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  const known = error instanceof ConfigError || error instanceof FixtureError;
  process.stderr.write(`das-emulator: ${known || !(error instanceof Error) ? String((error as Error).message ?? error) : error.stack}\n`);
  // A StartupError names its option already: the --help hint would only add a second line.
  if (error instanceof ConfigError && !(error instanceof StartupError)) process.stderr.write('run das-emulator --help for the options\n');
  process.exit(2);
});
