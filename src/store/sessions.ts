import type { Db } from './database.js';
import type { RedisClient } from '../model.js';

/** A simulated Redis client: CLIENT LIST's fields, with age and idle kept as instants so they grow. */
export interface StoredRedisClient {
  readonly instanceId: string;
  readonly id: number;
  readonly fields: Omit<RedisClient, 'id' | 'age' | 'idle'>;
  /** When the connection opened (ms); `age` counts from it. */
  readonly connectedMs: number;
  /** When it last ran a command (ms); `idle` counts from it. */
  readonly activeMs: number;
}

interface ClientRow {
  instance_id: string;
  id: number;
  fields: string;
  connected_ms: number;
  active_ms: number;
}

export interface StoredSession {
  readonly instanceId: string;
  readonly nodeId: string;
  readonly id: number;
  readonly user: string;
  readonly host: string;
  readonly db: string | null;
  readonly command: string;
  readonly state: string;
  readonly info: string | null;
  /** When the session entered its current state (ms); MySQL's Time counts from it. */
  readonly sinceMs: number;
  readonly trxId: string | null;
  readonly trxSinceMs: number | null;
}

interface Row {
  instance_id: string;
  node_id: string;
  id: number;
  user: string;
  host: string;
  db: string | null;
  command: string;
  state: string;
  info: string | null;
  since_ms: number;
  trx_id: string | null;
  trx_since_ms: number | null;
}

const fromRow = (r: Row): StoredSession => ({
  instanceId: r.instance_id,
  nodeId: r.node_id,
  id: r.id,
  user: r.user,
  host: r.host,
  db: r.db,
  command: r.command,
  state: r.state,
  info: r.info,
  sinceMs: r.since_ms,
  trxId: r.trx_id,
  trxSinceMs: r.trx_since_ms,
});

const toRow = (s: StoredSession): Row => ({
  instance_id: s.instanceId,
  node_id: s.nodeId,
  id: s.id,
  user: s.user,
  host: s.host,
  db: s.db,
  command: s.command,
  state: s.state,
  info: s.info,
  since_ms: s.sinceMs,
  trx_id: s.trxId,
  trx_since_ms: s.trxSinceMs,
});

/** A node's sessions as last read: in id order, and by id. */
interface NodeSessions {
  readonly list: readonly StoredSession[];
  readonly byId: ReadonlyMap<number, StoredSession>;
}

const nodeKey = (instanceId: string, nodeId: string) => `${instanceId}\u0000${nodeId}`;

/**
 * Simulated processlists, one per node. Every kill and listing reads a node's whole processlist, so
 * the store keeps each node's sessions in memory as last read: a write to a node drops its copy
 * (the next read loads it again), and `forget` drops them all when a transaction rolls back.
 */
export class SessionStore {
  private readonly nodes = new Map<string, NodeSessions>();
  private readonly listStmt;
  private readonly deleteStmt;
  private readonly insertStmt;
  private readonly clearStmt;
  private readonly maxIdStmt;
  private readonly fingerprintStmt;
  private readonly markSeededStmt;
  private readonly upsertStmt;
  private readonly clearInstanceStmt;
  private readonly listClientsStmt;
  private readonly deleteClientStmt;
  private readonly insertClientStmt;
  private readonly clearClientsStmt;

  constructor(private readonly db: Db) {
    this.listClientsStmt = db.prepare<[string], ClientRow>('SELECT * FROM redis_clients WHERE instance_id = ? ORDER BY id');
    this.deleteClientStmt = db.prepare<[string, number]>('DELETE FROM redis_clients WHERE instance_id = ? AND id = ?');
    this.insertClientStmt = db.prepare<ClientRow>('INSERT OR REPLACE INTO redis_clients (instance_id, id, fields, connected_ms, active_ms) VALUES (@instance_id, @id, @fields, @connected_ms, @active_ms)');
    this.clearClientsStmt = db.prepare<[string]>('DELETE FROM redis_clients WHERE instance_id = ?');
    this.listStmt = db.prepare<[string, string], Row>('SELECT * FROM sessions WHERE instance_id = ? AND node_id = ? ORDER BY id');
    this.deleteStmt = db.prepare<[string, string, number]>('DELETE FROM sessions WHERE instance_id = ? AND node_id = ? AND id = ?');
    this.insertStmt = db.prepare<Row>(
      `INSERT INTO sessions (instance_id, node_id, id, user, host, db, command, state, info, since_ms, trx_id, trx_since_ms)
       VALUES (@instance_id, @node_id, @id, @user, @host, @db, @command, @state, @info, @since_ms, @trx_id, @trx_since_ms)`,
    );
    this.clearStmt = db.prepare<[string, string]>('DELETE FROM sessions WHERE instance_id = ? AND node_id = ?');
    this.clearInstanceStmt = db.prepare<[string]>('DELETE FROM sessions WHERE instance_id = ?');
    this.upsertStmt = db.prepare<Row>(
      `INSERT OR REPLACE INTO sessions (instance_id, node_id, id, user, host, db, command, state, info, since_ms, trx_id, trx_since_ms)
       VALUES (@instance_id, @node_id, @id, @user, @host, @db, @command, @state, @info, @since_ms, @trx_id, @trx_since_ms)`,
    );
    this.maxIdStmt = db.prepare<[string, string], { max: number | null }>('SELECT max(id) AS max FROM sessions WHERE instance_id = ? AND node_id = ?');
    this.fingerprintStmt = db.prepare<[string, string], { fingerprint: string }>('SELECT fingerprint FROM seeded_nodes WHERE instance_id = ? AND node_id = ?');
    this.markSeededStmt = db.prepare<[string, string, string]>(
      'INSERT INTO seeded_nodes (instance_id, node_id, fingerprint) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET fingerprint = excluded.fingerprint',
    );
  }

  list(instanceId: string, nodeId: string): readonly StoredSession[] {
    return this.node(instanceId, nodeId).list;
  }

  get(instanceId: string, nodeId: string, id: number): StoredSession | undefined {
    return this.node(instanceId, nodeId).byId.get(id);
  }

  delete(instanceId: string, nodeId: string, id: number): boolean {
    this.nodes.delete(nodeKey(instanceId, nodeId));
    return this.deleteStmt.run(instanceId, nodeId, id).changes > 0;
  }

  /** Adds a session, or replaces the one with the same id on the node. */
  put(session: StoredSession): void {
    this.nodes.delete(nodeKey(session.instanceId, session.nodeId));
    this.upsertStmt.run(toRow(session));
  }

  /** Removes every simulated session of an instance (the control plane, before reseeding it). */
  clearInstance(instanceId: string): void {
    this.forget();
    this.clearInstanceStmt.run(instanceId);
    this.clearClientsStmt.run(instanceId);
  }

  /** Drops every node's copy in memory: after a rollback they may hold what was never committed. */
  forget(): void {
    this.nodes.clear();
  }

  private node(instanceId: string, nodeId: string): NodeSessions {
    const key = nodeKey(instanceId, nodeId);
    let node = this.nodes.get(key);
    if (!node) {
      const list = this.listStmt.all(instanceId, nodeId).map(fromRow);
      node = { list, byId: new Map(list.map((s) => [s.id, s])) };
      this.nodes.set(key, node);
    }
    return node;
  }

  /** A Redis instance's simulated clients, by id. */
  listClients(instanceId: string): StoredRedisClient[] {
    return this.listClientsStmt.all(instanceId).map((r) => ({ instanceId: r.instance_id, id: r.id, fields: JSON.parse(r.fields) as StoredRedisClient['fields'], connectedMs: r.connected_ms, activeMs: r.active_ms }));
  }

  /** Adds a Redis client, or replaces the one with the same id. */
  putClient(client: StoredRedisClient): void {
    this.insertClientStmt.run({ instance_id: client.instanceId, id: client.id, fields: JSON.stringify(client.fields), connected_ms: client.connectedMs, active_ms: client.activeMs });
  }

  deleteClient(instanceId: string, id: number): boolean {
    return this.deleteClientStmt.run(instanceId, id).changes > 0;
  }

  /** Replaces a Redis instance's clients in one transaction. */
  replaceClients(instanceId: string, clients: readonly Omit<StoredRedisClient, 'instanceId'>[], fingerprint: string): void {
    this.db.transaction(() => {
      this.clearClientsStmt.run(instanceId);
      for (const c of clients) this.insertClientStmt.run({ instance_id: instanceId, id: c.id, fields: JSON.stringify(c.fields), connected_ms: c.connectedMs, active_ms: c.activeMs });
      this.markSeededStmt.run(instanceId, '', fingerprint);
    })();
  }

  nextId(instanceId: string, nodeId: string): number {
    return (this.maxIdStmt.get(instanceId, nodeId)?.max ?? 0) + 1;
  }

  /** The fixture fingerprint a node was last seeded from, if any. */
  seededFrom(instanceId: string, nodeId: string): string | undefined {
    return this.fingerprintStmt.get(instanceId, nodeId)?.fingerprint;
  }

  /** Replaces a node's sessions in one transaction. */
  replace(instanceId: string, nodeId: string, sessions: readonly Omit<StoredSession, 'instanceId' | 'nodeId'>[], fingerprint: string): void {
    this.nodes.delete(nodeKey(instanceId, nodeId));
    this.db.transaction(() => {
      this.clearStmt.run(instanceId, nodeId);
      for (const s of sessions) this.insertStmt.run(toRow({ ...s, instanceId, nodeId }));
      this.markSeededStmt.run(instanceId, nodeId, fingerprint);
    })();
  }
}
