import type { RedisClient } from '../model.js';
import type { SessionStore, StoredRedisClient } from '../store/sessions.js';
import type { ClientBackend, ClientConnection } from './client-backend.js';

/** Ids of the emulator's own simulated connections start far above fixture ids so they never collide. */
const FIRST_OWN_ID = 4_000_000_000n;

export function toRedisClient(row: StoredRedisClient, now: number): RedisClient {
  const seconds = (since: number) => Math.max(0, Math.floor((now - since) / 1000));
  return { ...row.fields, id: BigInt(row.id), age: seconds(row.connectedMs), idle: seconds(row.activeMs) };
}

/** Redis clients as SQLite rows: CLIENT KILL ID removes a row, at once. */
export class SimulatedClientBackend implements ClientBackend {
  private nextOwnId = FIRST_OWN_ID;

  constructor(private readonly options: { readonly sessions: SessionStore; readonly now: () => number }) {}

  async connect(instanceId: string): Promise<ClientConnection> {
    const { sessions, now } = this.options;
    return {
      id: this.nextOwnId++,
      async list() {
        const time = now();
        return sessions.listClients(instanceId).map((row) => toRedisClient(row, time));
      },
      async kill(clientId) {
        return clientId <= BigInt(Number.MAX_SAFE_INTEGER) && sessions.deleteClient(instanceId, Number(clientId));
      },
      async close() {},
    };
  }
}

/** Sends each Redis instance to the backend that holds its clients: a real server when bound, else the simulation. */
export class RoutingClientBackend implements ClientBackend {
  constructor(
    private readonly isLive: (instanceId: string) => boolean,
    private readonly live: ClientBackend,
    private readonly simulated: ClientBackend,
  ) {}

  connect(instanceId: string): Promise<ClientConnection> {
    return (this.isLive(instanceId) ? this.live : this.simulated).connect(instanceId);
  }
}
