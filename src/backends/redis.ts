import type { Logger } from '../log.js';
import { clientIdArgument, parseClientList } from './redis-client-list.js';
import { describeRedisServer, type RedisServer } from './redis-url.js';
import type { ClientBackend, ClientConnection } from './client-backend.js';
import { BackendError } from './session-backend.js';

export interface RedisBackendOptions {
  /** The server a Redis instance is bound to; the router only asks about bound instances. */
  readonly serverOf: (instanceId: string) => RedisServer | undefined;
  /** The connect timeout, also the limit of every command (they are all cheap: CLIENT LIST, ID, KILL). */
  readonly connectTimeoutMs: number;
  readonly log: Logger;
}

/** What every connection of the emulator calls itself in CLIENT LIST. */
export const EMULATOR_CLIENT_NAME = 'das-emulator';

/**
 * node-redis builds a client class per configuration and caches only the last one, keyed by the
 * options' JSON: any other createClient in the process (another server, a test's own clients)
 * would make the next connection rebuild it, tens of milliseconds. Built once, on first use: an
 * emulator without a Redis server never loads node-redis (about 170 ms at start-up).
 */
let clientFactory: Promise<ReturnType<typeof import('@redis/client').RedisClient.factory>> | undefined;
const newClient = () => (clientFactory ??= import('@redis/client').then(({ RedisClient }) => RedisClient.factory({})));

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']);

/** A failure from the server, in the backend's vocabulary: a refused login is access_denied, no answer is unreachable. */
function backendError(server: RedisServer, error: Error & { code?: string }): BackendError {
  const where = describeRedisServer(server);
  if (/^(WRONGPASS|NOAUTH|NOPERM)/.test(error.message)) return new BackendError('access_denied', `${where}: ${error.message}`);
  if ((error.code && UNREACHABLE_CODES.has(error.code)) || error.name === 'ConnectionTimeoutError' || error.name === 'SocketClosedUnexpectedlyError') {
    return new BackendError('unreachable', `${where} did not answer: ${error.code ?? error.name} ${error.message}`);
  }
  return new BackendError('other', `${where}: ${error.message}`);
}

/**
 * Redis through node-redis (`@redis/client`): one connection per listing or kill, named
 * `das-emulator`, never reconnecting. Listing is `CLIENT LIST`; killing is `CLIENT KILL ID <id>`,
 * where the id is an integer the server itself listed: no request text reaches a command.
 */
export class RedisBackend implements ClientBackend {
  constructor(private readonly options: RedisBackendOptions) {}

  private serverOf(instanceId: string): RedisServer {
    const server = this.options.serverOf(instanceId);
    if (!server) throw new Error(`instance ${instanceId} is not bound to a Redis server`);
    return server;
  }

  async connect(instanceId: string): Promise<ClientConnection> {
    const server = this.serverOf(instanceId);
    const timeoutMs = this.options.connectTimeoutMs;
    const client = (await newClient())({
      socket: { host: server.host, port: server.port, connectTimeout: timeoutMs, reconnectStrategy: false },
      ...(server.username !== undefined ? { username: server.username } : {}),
      ...(server.password !== undefined ? { password: server.password } : {}),
      name: EMULATOR_CLIENT_NAME,
      disableClientInfo: true,
    });
    // Errors reach the caller through the command that failed; the event must not go unhandled.
    client.on('error', () => {});
    /** Closes the socket at once; a connection already closed stays closed. */
    const drop = () => {
      try {
        if (client.isOpen) client.destroy();
      } catch {
        // already closing
      }
    };
    const command = async <T>(args: string[]): Promise<T> => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error(`no answer to ${args.slice(0, 2).join(' ')} within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })), timeoutMs);
      });
      try {
        return (await Promise.race([client.sendCommand(args), late])) as T;
      } catch (error) {
        drop();
        throw backendError(server, error as Error);
      } finally {
        clearTimeout(timer);
      }
    };
    try {
      await client.connect();
    } catch (error) {
      drop();
      throw backendError(server, error as Error);
    }
    const id = BigInt(await command<number>(['CLIENT', 'ID']));
    return {
      id,
      async list() {
        const text = String(await command<string>(['CLIENT', 'LIST']));
        return parseClientList(text).filter((c) => c.id !== id);
      },
      async kill(clientId) {
        return Number(await command<number>(['CLIENT', 'KILL', 'ID', clientIdArgument(clientId)])) > 0;
      },
      // Every command was awaited: nothing to flush, so the socket is closed at once.
      async close() {
        drop();
      },
    };
  }

  /** Connects and asks the server its id: health's probe of a bound server. */
  async probe(instanceId: string): Promise<void> {
    await (await this.connect(instanceId)).close();
  }
}
