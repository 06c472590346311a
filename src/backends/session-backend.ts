import type { DbCredentials, NodeRef, Session } from '../model.js';

/** What MySQL answers to `KILL CONNECTION <id>`. */
export type KillReply = 'killed' | 'unknown_thread' | 'not_owner';

/** A connection opened with a DB account, used to kill. */
export interface KillerConnection {
  /** The connection's own thread id, so the engine never kills it. */
  readonly id: bigint;
  /** The sessions this account may see: all of them with the PROCESS privilege, else its own user's. */
  list(): Promise<Session[]>;
  kill(sessionId: bigint): Promise<KillReply>;
  close(): Promise<void>;
}

/** Where sessions live: simulated rows or a real server. The engine cannot tell them apart. */
export interface SessionBackend {
  /** Every session of the node, as the cloud's own service account sees it. */
  list(node: NodeRef): Promise<Session[]>;
  /** Opens a connection with a DB account; rejects with BackendError('access_denied') as MySQL's 1045 would. */
  connect(node: NodeRef, account: DbCredentials): Promise<KillerConnection>;
  /**
   * KILL only flags a thread (a large transaction then rolls back for seconds): waits until the
   * given ids have left the processlist, at most `timeoutMs`, and returns those still there.
   */
  waitUntilGone(node: NodeRef, ids: readonly bigint[], timeoutMs: number): Promise<bigint[]>;
}

export type BackendErrorKind = 'access_denied' | 'unreachable' | 'other';

export class BackendError extends Error {
  override readonly name = 'BackendError';
  constructor(
    readonly kind: BackendErrorKind,
    message: string,
  ) {
    super(message);
  }
}
