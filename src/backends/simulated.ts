import type { DbCredentials, NodeRef, Session } from '../model.js';
import type { SessionStore, StoredSession } from '../store/sessions.js';
import { BackendError, type KillerConnection, type KillReply, type SessionBackend } from './session-backend.js';

export interface SimulatedDbAccount {
  readonly user: string;
  readonly password: string;
  /** Holds the privilege to kill other users' threads (CONNECTION_ADMIN / SUPER). */
  readonly canKillAny: boolean;
}

export interface SimulatedBackendOptions {
  readonly sessions: SessionStore;
  /** The DB accounts that exist on a node's server. */
  readonly accountsOf: (node: NodeRef) => readonly SimulatedDbAccount[];
  readonly now: () => number;
}

/** Thread ids for killer connections start far above fixture ids so they never collide. */
const FIRST_CONNECTION_ID = 4_000_000_000n;

export function toSession(row: StoredSession, now: number): Session {
  const seconds = (since: number) => Math.max(0, Math.floor((now - since) / 1000));
  return {
    id: BigInt(row.id),
    user: row.user,
    host: row.host,
    db: row.db,
    command: row.command,
    time: seconds(row.sinceMs),
    state: row.state,
    info: row.info,
    trxId: row.trxId,
    trxSeconds: row.trxSinceMs === null ? null : seconds(row.trxSinceMs),
  };
}

/** Sessions as SQLite rows, with MySQL's rules for logging in and for who may kill whom. */
export class SimulatedBackend implements SessionBackend {
  private nextConnectionId = FIRST_CONNECTION_ID;

  constructor(private readonly options: SimulatedBackendOptions) {}

  async list(node: NodeRef): Promise<Session[]> {
    const now = this.options.now();
    return this.options.sessions.list(node.instanceId, node.nodeId).map((row) => toSession(row, now));
  }

  /** A simulated kill removes the row at once, so only ids that were never killed remain. */
  async waitUntilGone(node: NodeRef, ids: readonly bigint[]): Promise<bigint[]> {
    return ids.filter((id) => id <= BigInt(Number.MAX_SAFE_INTEGER) && this.options.sessions.get(node.instanceId, node.nodeId, Number(id)) !== undefined);
  }

  async connect(node: NodeRef, credentials: DbCredentials): Promise<KillerConnection> {
    const account = this.options.accountsOf(node).find((a) => a.user === credentials.user && a.password === credentials.password);
    if (!account) {
      throw new BackendError('access_denied', `Access denied for user '${credentials.user}'@'%' (using password: ${credentials.password ? 'YES' : 'NO'})`);
    }
    const { sessions, now } = this.options;
    return {
      id: this.nextConnectionId++,
      // Simulated accounts hold PROCESS exactly when they hold the kill-any privilege.
      async list() {
        const time = now();
        return sessions
          .list(node.instanceId, node.nodeId)
          .filter((row) => account.canKillAny || row.user === account.user)
          .map((row) => toSession(row, time));
      },
      async kill(sessionId: bigint): Promise<KillReply> {
        if (sessionId > BigInt(Number.MAX_SAFE_INTEGER)) return 'unknown_thread';
        const id = Number(sessionId);
        const target = sessions.get(node.instanceId, node.nodeId, id);
        if (!target) return 'unknown_thread';
        if (!account.canKillAny && target.user !== account.user) return 'not_owner';
        sessions.delete(node.instanceId, node.nodeId, id);
        return 'killed';
      },
      async close() {},
    };
  }
}
