import { resolveConfig, type EmulatorOptions } from '../../src/config.js';
import { startEmulatorServer, type EmulatorHooks, type RunningEmulator } from '../../src/emulator.js';

/** An emulator on a free loopback port with an in-memory store, silent unless a log sink is given. */
export async function startTestEmulator(options: EmulatorOptions = {}, hooks: EmulatorHooks = {}): Promise<RunningEmulator> {
  return startEmulatorServer(resolveConfig({ port: 0, data: ':memory:', logLevel: 'silent', ...options }), hooks);
}
