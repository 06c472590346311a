import { optionLabel, StartupError, type EmulatorConfig } from '../config.js';

/** Turns the server's listen error into one line naming the option at fault (`--port / DAS_EMULATOR_PORT: ...`). */
export function listenError(error: unknown, config: Pick<EmulatorConfig, 'host' | 'port'>): Error {
  const code = (error as NodeJS.ErrnoException).code;
  const host = JSON.stringify(config.host);
  switch (code) {
    case 'EADDRINUSE':
      return new StartupError(`${optionLabel('port')}: ${config.port} is already in use on ${config.host}`);
    case 'EACCES':
      return new StartupError(`${optionLabel('port')}: port ${config.port} needs privileges this process does not have`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NONAME':
      return new StartupError(`${optionLabel('host')}: ${host} does not resolve to an address`);
    case 'EADDRNOTAVAIL':
      return new StartupError(`${optionLabel('host')}: ${host} is not an address of this machine`);
    case 'EAFNOSUPPORT':
      return new StartupError(`${optionLabel('host')}: ${host} is of an address family this machine does not support`);
    default:
      return error instanceof Error ? error : new Error(String(error));
  }
}
