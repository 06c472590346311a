/**
 * A real Redis server for tests: where it is, whether it answers, and a scope that opens named
 * client connections (idle, blocked in BLPOP, subscribed, inside MULTI), an ACL user the fixtures
 * call internal, and removes everything afterwards.
 */
import { randomBytes } from 'node:crypto';
import { createClient, type RedisClientType } from '@redis/client';
import { parseRedisUrl, type RedisServer } from '../../src/backends/redis-url.js';
import { parseClientList } from '../../src/backends/redis-client-list.js';
import type { RedisClient } from '../../src/model.js';

export const TEST_REDIS_URL = process.env.DAS_EMULATOR_TEST_REDIS_URL || 'redis://127.0.0.1:6379';
export const REQUIRE_REDIS = process.env.REQUIRE_REDIS === '1';

export const server: RedisServer = parseRedisUrl(TEST_REDIS_URL);

type Client = RedisClientType;

async function connect(name: string, account?: { username: string; password: string }): Promise<Client> {
  const client = createClient({
    socket: { host: server.host, port: server.port, connectTimeout: 3000, reconnectStrategy: false },
    ...(account ?? (server.password !== undefined ? { username: server.username, password: server.password } : {})),
    name,
  }) as unknown as Client;
  // A killed connection reports it as an event; the tests ask the server whether it lives.
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** Why no test server can be used, or undefined when one answers. */
export async function unavailableReason(): Promise<string | undefined> {
  try {
    const client = await connect('das-emulator-test-probe');
    await client.ping();
    client.destroy();
    return undefined;
  } catch (error) {
    return `no Redis server answers at ${TEST_REDIS_URL.replace(/:[^:@/]*@/, ':***@')} (${(error as Error).message}); set DAS_EMULATOR_TEST_REDIS_URL, or REQUIRE_REDIS=1 to fail instead`;
  }
}

/** A client connection held open as a session to kill (or to spare). */
export interface Victim {
  readonly id: bigint;
  readonly name: string;
  readonly client: Client;
  /** For a blocked client: its BLPOP, which settles when the connection dies. */
  readonly pending?: Promise<unknown>;
}

/**
 * An ACL user the tests' fixtures list among the cloud's internal accounts. One name for every run,
 * so that two runs on one server spare each other's observers and internal clients; it is left in
 * place (another run may be using it), and holds no secret: the server is a test server.
 */
export const INTERNAL_USER = 'das-emulator-test-internal';
const INTERNAL_PASSWORD = 'das-emulator-test-internal';

export class RedisScope {
  readonly internalUser = INTERNAL_USER;
  readonly internalPassword = INTERNAL_PASSWORD;
  private readonly victims: Client[] = [];
  private count = 0;

  private constructor(
    /** Every name this scope creates starts with it, so parallel runs never meet. */
    readonly prefix: string,
    private readonly admin: Client,
  ) {}

  /** Makes sure the internal ACL user exists; the scope's observer logs in as it, so that the kills it watches spare it. */
  static async open(): Promise<RedisScope> {
    const prefix = `dase-${randomBytes(4).toString('hex')}`;
    const setup = await connect('das-emulator-test-setup');
    try {
      await setup.sendCommand(['ACL', 'SETUSER', INTERNAL_USER, 'on', `>${INTERNAL_PASSWORD}`, '~*', '&*', '+@all']);
    } finally {
      setup.destroy();
    }
    const admin = await connect(`${prefix}-observer`, { username: INTERNAL_USER, password: INTERNAL_PASSWORD });
    return new RedisScope(prefix, admin);
  }

  private async open(role: string, account?: { username: string; password: string }): Promise<Victim> {
    const name = `${this.prefix}-${role}-${++this.count}`;
    const client = await connect(name, account);
    this.victims.push(client);
    const id = BigInt(String(await client.sendCommand(['CLIENT', 'ID'])));
    return { id, name, client };
  }

  /** An idle client of the default user. */
  idle(): Promise<Victim> {
    return this.open('idle');
  }

  /** A client of the internal ACL user: a protected session. */
  internal(): Promise<Victim> {
    return this.open('internal', { username: this.internalUser, password: this.internalPassword });
  }

  /** A client blocked in `BLPOP <key> 0`. */
  async blocked(): Promise<Victim> {
    const victim = await this.open('blocked');
    const pending = victim.client.sendCommand(['BLPOP', `${this.prefix}:queue`, '0']).catch((error: unknown) => error);
    await this.until(async () => (await this.client(victim.id))?.flags.includes('b') === true);
    return { ...victim, pending };
  }

  /** A client subscribed to a channel. */
  async subscribed(): Promise<Victim> {
    const victim = await this.open('subscriber');
    await victim.client.subscribe(`${this.prefix}:events`, () => {});
    return victim;
  }

  /** A client inside MULTI with one command queued. */
  async inMulti(): Promise<Victim> {
    const victim = await this.open('multi');
    await victim.client.sendCommand(['MULTI']);
    await victim.client.sendCommand(['SET', `${this.prefix}:k`, 'v']);
    return victim;
  }

  async clients(): Promise<RedisClient[]> {
    return parseClientList(String(await this.admin.sendCommand(['CLIENT', 'LIST'])));
  }

  async client(id: bigint): Promise<RedisClient | undefined> {
    return (await this.clients()).find((c) => c.id === id);
  }

  async alive(victim: Victim): Promise<boolean> {
    return (await this.client(victim.id)) !== undefined;
  }

  async until(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async dispose(): Promise<void> {
    for (const client of this.victims) client.destroy();
    await this.admin.sendCommand(['DEL', `${this.prefix}:queue`, `${this.prefix}:k`]);
    this.admin.destroy();
  }
}
