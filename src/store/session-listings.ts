import type { Db } from './database.js';
import type { Session } from '../model.js';

/** A processlist captured for an asynchronous listing request (Alibaba GetMySQLAllSessionAsync). */
export interface StoredListing {
  readonly id: string;
  readonly owner: string;
  readonly instanceId: string;
  readonly nodeId: string;
  readonly createdAt: number;
  readonly sessions: readonly Session[];
  /** Why the processlist could not be read; the listing then has no sessions. */
  readonly failure: string | null;
}

interface Row {
  id: string;
  owner: string;
  instance_id: string;
  node_id: string;
  created_at: number;
  sessions: string;
  failure: string | null;
}

export class SessionListingStore {
  private readonly insertStmt;
  private readonly getStmt;
  private readonly clearStmt;
  private readonly clearAllStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare<Row>(
      'INSERT INTO session_listings (id, owner, instance_id, node_id, created_at, sessions, failure) VALUES (@id, @owner, @instance_id, @node_id, @created_at, @sessions, @failure)',
    );
    this.getStmt = db.prepare<[string], Row>('SELECT * FROM session_listings WHERE id = ?');
    this.clearStmt = db.prepare<[string]>('DELETE FROM session_listings WHERE instance_id = ?');
    this.clearAllStmt = db.prepare<[]>('DELETE FROM session_listings');
  }

  /** Forgets the listings of one instance, or all of them. */
  clear(instanceId?: string): void {
    if (instanceId === undefined) this.clearAllStmt.run();
    else this.clearStmt.run(instanceId);
  }

  insert(listing: StoredListing): void {
    this.insertStmt.run({
      id: listing.id,
      owner: listing.owner,
      instance_id: listing.instanceId,
      node_id: listing.nodeId,
      created_at: listing.createdAt,
      sessions: JSON.stringify(listing.sessions, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
      failure: listing.failure,
    });
  }

  get(id: string): StoredListing | undefined {
    const row = this.getStmt.get(id);
    if (!row) return undefined;
    const sessions = (JSON.parse(row.sessions) as Array<Omit<Session, 'id'> & { id: string }>).map((s) => ({ ...s, id: BigInt(s.id) }));
    return { id: row.id, owner: row.owner, instanceId: row.instance_id, nodeId: row.node_id, createdAt: row.created_at, sessions, failure: row.failure };
  }
}
