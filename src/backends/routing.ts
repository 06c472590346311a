import type { DbCredentials, NodeRef, Session } from '../model.js';
import type { KillerConnection, SessionBackend } from './session-backend.js';

/** A backend for the nodes it serves (a PostgreSQL-bound node ...), asked before the others. */
export interface Route {
  readonly serves: (node: NodeRef) => boolean;
  readonly backend: SessionBackend;
}

/** Sends each node to the backend that holds its sessions: a real server when bound, else the simulation. */
export class RoutingBackend implements SessionBackend {
  constructor(
    private readonly isLive: (node: NodeRef) => boolean,
    private readonly live: SessionBackend,
    private readonly simulated: SessionBackend,
    private readonly routes: readonly Route[] = [],
  ) {}

  private of(node: NodeRef): SessionBackend {
    for (const route of this.routes) if (route.serves(node)) return route.backend;
    return this.isLive(node) ? this.live : this.simulated;
  }

  list(node: NodeRef): Promise<Session[]> {
    return this.of(node).list(node);
  }

  connect(node: NodeRef, account: DbCredentials): Promise<KillerConnection> {
    return this.of(node).connect(node, account);
  }

  waitUntilGone(node: NodeRef, ids: readonly bigint[], timeoutMs: number): Promise<bigint[]> {
    return this.of(node).waitUntilGone(node, ids, timeoutMs);
  }
}
