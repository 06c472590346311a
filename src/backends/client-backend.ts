import type { RedisClient } from '../model.js';

/** A connection to a Redis instance, held for one listing or one kill. */
export interface ClientConnection {
  /** The connection's own client id, so that it is never listed or killed. */
  readonly id: bigint;
  /** Every client of the instance but this connection, as `CLIENT LIST` shows them. */
  list(): Promise<RedisClient[]>;
  /** `CLIENT KILL ID <id>`: true when a client was closed, false when none had that id. */
  kill(clientId: bigint): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Where a Redis instance's client connections live: simulated rows or a real server. The engine
 * cannot tell them apart. Connections fail with BackendError ('unreachable', 'access_denied').
 */
export interface ClientBackend {
  connect(instanceId: string): Promise<ClientConnection>;
}
