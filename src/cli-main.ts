import { ConfigError, configFromCli, StartupError, USAGE } from './config.js';
import { startEmulatorServer } from './emulator.js';
import { FixtureError } from './fixtures/load.js';
import { createLogger } from './log.js';
import { VERSION } from './package.js';

async function main(): Promise<void> {
  const config = configFromCli(process.argv.slice(2), process.env);
  if (config === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  if (config === 'version') {
    process.stdout.write(`das-emulator ${VERSION}\n`);
    return;
  }
  const emulator = await startEmulatorServer(config);
  // Lines after the ready line follow --log-level and --log-format like every other line.
  const log = createLogger(config.logLevel, undefined, config.logFormat);
  const shutdown = (signal: string) => {
    log.info('shutting down', { signal });
    emulator.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error('shutdown failed', { reason: String(error) });
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  // Only now: a supervisor that signals as soon as it reads the line must find the handlers there
  // (before them, SIGTERM's default action ends the process at once, without closing the store).
  process.stdout.write(`das-emulator ready on ${emulator.url}\n`);
}

main().catch((error: unknown) => {
  const known = error instanceof ConfigError || error instanceof FixtureError;
  process.stderr.write(`das-emulator: ${known || !(error instanceof Error) ? String((error as Error).message ?? error) : error.stack}\n`);
  // A StartupError names its option already: the --help hint would only add a second line.
  if (error instanceof ConfigError && !(error instanceof StartupError)) process.stderr.write('run das-emulator --help for the options\n');
  process.exit(2);
});
