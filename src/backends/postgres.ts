import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from 'pg';
import type { Logger } from '../log.js';
import type { DbCredentials, NodeRef, Session } from '../model.js';
import { describePostgresServer, type PostgresServer } from './postgres-url.js';
import { BackendError, type KillerConnection, type KillReply, type SessionBackend } from './session-backend.js';

export interface PostgresBackendOptions {
  /** The server a node is bound to; the router only asks about bound nodes. */
  readonly serverOf: (node: NodeRef) => PostgresServer | undefined;
  /** The account the cloud's own service lists with (the instance's maintenance account). */
  readonly serviceAccountOf: (node: NodeRef) => DbCredentials;
  /** The connect timeout, also the limit of every statement (they are all cheap: listings and terminations). */
  readonly connectTimeoutMs: number;
  readonly log: Logger;
}

/**
 * The client backends the connected role may see in full: its own roles' sessions, or all of them
 * for a superuser or a member of pg_read_all_stats. (Other rows hide even their backend type, so a
 * client backend of another role cannot be told from a background worker.) The emulator's own
 * connection is left out here; its other connections by pid, below.
 */
const LIST_SQL = `SELECT pid::text AS pid, usename, datname, host(client_addr) AS addr, client_port AS port, state, query,
    floor(extract(epoch FROM (clock_timestamp() - coalesce(state_change, backend_start))))::bigint::text AS seconds,
    backend_xid::text AS xid,
    CASE WHEN xact_start IS NULL THEN NULL ELSE floor(extract(epoch FROM (clock_timestamp() - xact_start)))::bigint::text END AS trx_seconds
  FROM pg_stat_activity
  WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
  ORDER BY pid`;

/** Which of the given pids still have a backend (a terminated one leaves once its process exits). */
const STILL_LISTED_SQL = 'SELECT pid::text AS pid FROM pg_stat_activity WHERE pid = ANY($1::int[])';

/** The pid is a bound parameter; the server parses it as an integer. */
const TERMINATE_SQL = 'SELECT pg_terminate_backend($1::int) AS terminated';

const MAX_PID = 2_147_483_647n;

interface ActivityRow {
  pid: string;
  usename: string | null;
  datname: string | null;
  addr: string | null;
  port: number | null;
  state: string | null;
  query: string | null;
  seconds: string | null;
  xid: string | null;
  trx_seconds: string | null;
}

/** States in which a statement runs: MySQL's `Query` command; every other state is `Sleep`. */
const RUNNING_STATES = new Set(['active', 'fastpath function call']);

/**
 * A pg_stat_activity row as a processlist row: pid, role, database, client address, the state and
 * the (last) query as they are, `Query`/`Sleep` as the command, the seconds in the current state,
 * and the transaction: its xid once it has one ('0' before its first write), its age.
 */
export function toSession(row: ActivityRow): Session {
  const host = row.addr !== null ? `${row.addr}:${row.port ?? ''}` : row.port === -1 ? 'localhost' : '';
  const state = row.state ?? '';
  return {
    id: BigInt(row.pid),
    user: row.usename ?? '',
    host,
    db: row.datname,
    command: RUNNING_STATES.has(state) ? 'Query' : state === '' ? '' : 'Sleep',
    time: Number(row.seconds ?? 0),
    state,
    info: row.query,
    trxId: row.trx_seconds === null ? null : (row.xid ?? '0'),
    trxSeconds: row.trx_seconds === null ? null : Number(row.trx_seconds),
  };
}

/** SQLSTATEs of a login the server refuses: a wrong password, an unknown or NOLOGIN role, pg_hba, no CONNECT on the database. */
const ACCESS_DENIED = new Set(['28P01', '28000', '42501']);
const INSUFFICIENT_PRIVILEGE = '42501';
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']);

interface PgError extends Error {
  code?: string;
}

function backendError(server: PostgresServer, error: PgError, connecting: boolean): BackendError {
  const where = describePostgresServer(server);
  if (connecting && error.code && ACCESS_DENIED.has(error.code)) return new BackendError('access_denied', error.message);
  if ((error.code && UNREACHABLE_CODES.has(error.code)) || /timeout|Connection terminated/i.test(error.message)) {
    return new BackendError('unreachable', `${where} did not answer: ${error.code ?? ''} ${error.message}`.replace(/ {2}/, ' '));
  }
  return new BackendError('other', `${where}: ${error.message}`);
}

interface OwnConnection {
  readonly raw: Client;
  readonly server: PostgresServer;
  readonly pid: bigint;
  readonly key: string;
}

const ownKey = (server: PostgresServer, pid: bigint) => `${server.host}:${server.port}/${pid}`;

/** How long closing a connection may wait for the server before the socket is simply destroyed. */
const CLOSE_GRACE_MS = 1_000;

/**
 * Sessions on a real PostgreSQL server, through `pg`: listed from pg_stat_activity (client
 * backends), ended with pg_terminate_backend as the caller's own role, so PostgreSQL decides who
 * may end whose. Every connection is dedicated and short-lived, and the pids of all of them are
 * kept so no listing ever offers the emulator's own connections.
 */
export class PostgresBackend implements SessionBackend {
  private readonly ownPids = new Set<string>();

  constructor(private readonly options: PostgresBackendOptions) {}

  async list(node: NodeRef): Promise<Session[]> {
    const connection = await this.open(node, this.options.serviceAccountOf(node));
    try {
      return await connection.list();
    } finally {
      await connection.close();
    }
  }

  /** Connects as the maintenance account and asks one trivial question: health's check. */
  async probe(node: NodeRef): Promise<void> {
    const connection = await this.openRaw(node, this.options.serviceAccountOf(node));
    try {
      await this.query(connection, 'SELECT 1');
    } catch (error) {
      throw backendError(connection.server, error as PgError, false);
    } finally {
      await this.release(connection);
    }
  }

  async connect(node: NodeRef, account: DbCredentials): Promise<KillerConnection> {
    return this.open(node, account);
  }

  async waitUntilGone(node: NodeRef, ids: readonly bigint[], timeoutMs: number): Promise<bigint[]> {
    const pids = ids.filter((id) => id > 0n && id <= MAX_PID);
    if (pids.length === 0) return [];
    const connection = await this.openRaw(node, this.options.serviceAccountOf(node));
    const deadline = performance.now() + timeoutMs;
    let remaining = pids;
    let pause = 1;
    try {
      for (;;) {
        const rows = await this.query<{ pid: string }>(connection, STILL_LISTED_SQL, [remaining.map(String)]).catch((error: unknown) => {
          throw backendError(connection.server, error as PgError, false);
        });
        const listed = new Set(rows.map((r) => r.pid));
        remaining = remaining.filter((id) => listed.has(id.toString()));
        if (remaining.length === 0 || performance.now() >= deadline) return remaining;
        await sleep(Math.min(pause, Math.max(0, deadline - performance.now())));
        pause = Math.min(pause * 2, 25);
      }
    } finally {
      await this.release(connection);
    }
  }

  private async open(node: NodeRef, account: DbCredentials): Promise<KillerConnection> {
    const connection = await this.openRaw(node, account);
    const { server } = connection;
    const own = this.ownPids;
    return {
      id: connection.pid,
      list: async () => {
        const rows = await this.query<ActivityRow>(connection, LIST_SQL).catch((error: unknown) => {
          throw backendError(server, error as PgError, false);
        });
        return rows.map(toSession).filter((s) => !own.has(ownKey(server, s.id)));
      },
      kill: async (sessionId: bigint): Promise<KillReply> => {
        // Ids come from the server's own listing; one out of a pid's range names no backend.
        if (sessionId <= 0n || sessionId > MAX_PID) return 'unknown_thread';
        try {
          const [row] = await this.query<{ terminated: boolean }>(connection, TERMINATE_SQL, [sessionId.toString()]);
          // false: no backend has that pid any more (the server only warns).
          return row?.terminated ? 'killed' : 'unknown_thread';
        } catch (error) {
          // "permission denied to terminate process": another role's session, or a superuser's.
          if ((error as PgError).code === INSUFFICIENT_PRIVILEGE) return 'not_owner';
          throw backendError(server, error as PgError, false);
        }
      },
      close: () => this.release(connection),
    };
  }

  /** One statement under the time limit; a connection that timed out is destroyed, not reused. */
  private async query<T>(connection: OwnConnection, sql: string, values: unknown[] = []): Promise<T[]> {
    try {
      const result = await connection.raw.query({ text: sql, values, query_timeout: this.options.connectTimeoutMs } as never);
      return (result as unknown as { rows: T[] }).rows;
    } catch (error) {
      if (/timeout/i.test((error as Error).message)) destroy(connection.raw);
      throw error;
    }
  }

  private async openRaw(node: NodeRef, account: DbCredentials): Promise<OwnConnection> {
    const server = this.options.serverOf(node);
    if (!server) throw new BackendError('other', `${node.instanceId} is not bound to a PostgreSQL server`);
    // Loaded on first use: an emulator with only simulated instances never pays for pg at startup.
    const { default: pg } = await import('pg');
    const raw = new pg.Client({
      host: server.host,
      port: server.port,
      database: server.database,
      user: account.user,
      password: account.password,
      connectionTimeoutMillis: this.options.connectTimeoutMs,
      // The emulator's sessions are recognisable in the pg_stat_activity they inspect.
      application_name: 'das-emulator',
    });
    // A connection terminated from elsewhere reports it as an event; without a listener it would crash the process.
    raw.on('error', (error: PgError) => this.options.log.debug('postgres connection closed', { reason: error.code ?? error.message }));
    let pid: bigint;
    try {
      await raw.connect();
      const processId = (raw as unknown as { processID?: number | null }).processID;
      pid = BigInt(processId ?? (await raw.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid);
    } catch (error) {
      destroy(raw);
      const failure = backendError(server, error as PgError, true);
      // The engine logs the consequence (a failed kill or listing) at warn level.
      this.options.log.debug('postgres connection failed', { server: describePostgresServer(server), user: account.user, kind: failure.kind, reason: failure.message });
      throw failure;
    }
    const connection = { raw, server, pid, key: ownKey(server, pid) };
    this.ownPids.add(connection.key);
    return connection;
  }

  /** Closes politely, or destroys the socket when the server does not answer; forgets the pid only once it is closed. */
  private async release(connection: OwnConnection): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), CLOSE_GRACE_MS)));
    const ended = await Promise.race([connection.raw.end().then(() => true, () => false), grace]);
    clearTimeout(timer);
    if (!ended) destroy(connection.raw);
    this.ownPids.delete(connection.key);
  }
}

/** Drops a client's socket at once (pg has no public destroy). */
function destroy(client: Client): void {
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}
