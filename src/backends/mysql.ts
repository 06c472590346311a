import { setTimeout as sleep } from 'node:timers/promises';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { Logger } from '../log.js';
import type { DbCredentials, NodeRef, Session } from '../model.js';
import { describeServer, type MysqlServer } from './mysql-url.js';
import { BackendError, type KillerConnection, type KillReply, type SessionBackend } from './session-backend.js';

export interface MysqlBackendOptions {
  /** The server a node is bound to; the router only asks about bound nodes. */
  readonly serverOf: (node: NodeRef) => MysqlServer | undefined;
  /** The account the cloud's own service lists with (the node's maintenance account). */
  readonly serviceAccountOf: (node: NodeRef) => DbCredentials;
  /** The connect timeout, also the limit of every statement (they are all cheap: listings and KILLs). */
  readonly connectTimeoutMs: number;
  readonly log: Logger;
}

const MAX_THREAD_ID = 18_446_744_073_709_551_615n;

/**
 * The only text that ever follows KILL CONNECTION: the digits of an unsigned 64-bit id. The server
 * evaluates KILL's argument as an expression ('1 OR 1' is thread 1), so nothing else may pass.
 */
export function threadIdLiteral(id: bigint): string {
  const digits = id.toString();
  if (!/^[0-9]{1,20}$/.test(digits) || id > MAX_THREAD_ID) throw new RangeError(`not a MySQL thread id: ${digits}`);
  return digits;
}

const PROCESSLIST_COLUMNS = 'p.ID AS id, p.USER AS user, p.HOST AS host, p.DB AS db, p.COMMAND AS command, p.TIME AS time, p.STATE AS state, p.INFO AS info';
/** With the PROCESS privilege the open transaction of each thread is known too. */
const WITH_TRANSACTIONS = `SELECT ${PROCESSLIST_COLUMNS}, t.trx_id AS trxId, TIMESTAMPDIFF(SECOND, t.trx_started, NOW()) AS trxSeconds
  FROM information_schema.PROCESSLIST p LEFT JOIN information_schema.INNODB_TRX t ON t.trx_mysql_thread_id = p.ID
  WHERE p.ID <> CONNECTION_ID() ORDER BY p.ID`;
const WITHOUT_TRANSACTIONS = `SELECT ${PROCESSLIST_COLUMNS}, NULL AS trxId, NULL AS trxSeconds
  FROM information_schema.PROCESSLIST p WHERE p.ID <> CONNECTION_ID() ORDER BY p.ID`;
const ER_SPECIFIC_ACCESS_DENIED = 1227;

interface ProcesslistRow extends RowDataPacket {
  id: string;
  user: string | null;
  host: string | null;
  db: string | null;
  command: string;
  time: number | string | null;
  state: string | null;
  info: string | Buffer | null;
  trxId: string | number | null;
  trxSeconds: number | string | null;
}

function toSession(row: ProcesslistRow): Session {
  return {
    id: BigInt(row.id),
    user: row.user ?? '',
    host: row.host ?? '',
    db: row.db,
    command: row.command,
    time: Number(row.time ?? 0),
    state: row.state ?? '',
    info: row.info === null ? null : String(row.info),
    trxId: row.trxId === null ? null : String(row.trxId),
    trxSeconds: row.trxSeconds === null ? null : Number(row.trxSeconds),
  };
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT']);

interface MysqlError extends Error {
  code?: string;
  errno?: number;
}

/** A failure from the server, in the backend's vocabulary: 1045 is a bad account, no answer is unreachable. */
function backendError(server: MysqlServer, error: MysqlError): BackendError {
  const where = describeServer({ host: server.host, port: server.port });
  if (error.errno === 1045 || error.errno === 1698 || error.code === 'ER_ACCESS_DENIED_ERROR') return new BackendError('access_denied', error.message);
  if (error.code && UNREACHABLE_CODES.has(error.code)) return new BackendError('unreachable', `${where} did not answer: ${error.code} ${error.message}`);
  return new BackendError('other', `${where}: ${error.message}`);
}

/** A connection the emulator holds, with the server it is on (thread ids are unique per server only). */
interface OwnConnection {
  readonly raw: Connection;
  readonly server: MysqlServer;
  readonly key: string;
}

const ownKey = (server: MysqlServer, threadId: bigint | number) => `${server.host}:${server.port}/${threadId}`;

/** How long closing a connection may wait for the server before the socket is simply destroyed. */
const CLOSE_GRACE_MS = 1_000;

/**
 * Sessions on a real MySQL or MariaDB server, through mysql2. Every connection is dedicated and
 * short-lived (the server may be at max_connections, where only one spare slot exists), and the
 * thread ids of all of them are kept so no listing ever offers the emulator's own connections.
 */
export class MysqlBackend implements SessionBackend {
  private readonly ownThreadIds = new Set<string>();

  constructor(private readonly options: MysqlBackendOptions) {}

  async list(node: NodeRef): Promise<Session[]> {
    const connection = await this.open(node, this.options.serviceAccountOf(node));
    try {
      return await connection.list();
    } finally {
      await connection.close();
    }
  }

  /** Connects as the node's maintenance account and asks one trivial question: health's check. */
  async probe(node: NodeRef): Promise<void> {
    const connection = await this.openRaw(node, this.options.serviceAccountOf(node));
    try {
      await this.query(connection, 'SELECT 1');
    } catch (error) {
      throw backendError(connection.server, error as MysqlError);
    } finally {
      await this.release(connection);
    }
  }

  async connect(node: NodeRef, account: DbCredentials): Promise<KillerConnection> {
    return this.open(node, account);
  }

  async waitUntilGone(node: NodeRef, ids: readonly bigint[], timeoutMs: number): Promise<bigint[]> {
    if (ids.length === 0) return [];
    const connection = await this.openRaw(node, this.options.serviceAccountOf(node));
    const deadline = performance.now() + timeoutMs;
    let remaining = [...ids];
    let pause = 1;
    try {
      for (;;) {
        remaining = await this.stillListed(connection, remaining);
        if (remaining.length === 0 || performance.now() >= deadline) return remaining;
        await sleep(Math.min(pause, Math.max(0, deadline - performance.now())));
        pause = Math.min(pause * 2, 25);
      }
    } finally {
      await this.release(connection);
    }
  }

  /** Ids still in the processlist, a Killed thread still rolling back included. */
  private async stillListed(connection: OwnConnection, ids: readonly bigint[]): Promise<bigint[]> {
    const listed = new Set<string>();
    for (let i = 0; i < ids.length; i += 1000) {
      const literals = ids.slice(i, i + 1000).map(threadIdLiteral).join(',');
      const rows = await this.query<RowDataPacket[]>(connection, `SELECT ID AS id FROM information_schema.PROCESSLIST WHERE ID IN (${literals})`);
      for (const row of rows) listed.add(String(row.id));
    }
    return ids.filter((id) => listed.has(id.toString()));
  }

  private async open(node: NodeRef, account: DbCredentials): Promise<KillerConnection> {
    const connection = await this.openRaw(node, account);
    const { server } = connection;
    const own = this.ownThreadIds;
    let listSql = WITH_TRANSACTIONS;
    return {
      id: BigInt(connection.raw.threadId),
      list: async () => {
        let rows: ProcesslistRow[];
        try {
          rows = await this.query<ProcesslistRow[]>(connection, listSql);
        } catch (error) {
          // Without PROCESS, INNODB_TRX is closed to the account: list without transactions.
          if ((error as MysqlError).errno !== ER_SPECIFIC_ACCESS_DENIED || listSql === WITHOUT_TRANSACTIONS) throw backendError(server, error as MysqlError);
          listSql = WITHOUT_TRANSACTIONS;
          rows = await this.query<ProcesslistRow[]>(connection, listSql).catch((retryError: unknown) => {
            throw backendError(server, retryError as MysqlError);
          });
        }
        return rows.map(toSession).filter((s) => !own.has(ownKey(server, s.id)));
      },
      kill: async (sessionId: bigint): Promise<KillReply> => {
        try {
          await this.query(connection, `KILL CONNECTION ${threadIdLiteral(sessionId)}`);
          return 'killed';
        } catch (error) {
          const errno = (error as MysqlError).errno;
          if (errno === 1094) return 'unknown_thread';
          if (errno === 1095) return 'not_owner';
          throw backendError(server, error as MysqlError);
        }
      },
      close: () => this.release(connection),
    };
  }

  /**
   * One statement under the query time limit. mysql2's timeout only gives up on the answer: the
   * connection would keep the stuck command queued, so a timed-out or broken one is destroyed.
   */
  private async query<T>(connection: OwnConnection, sql: string): Promise<T> {
    try {
      const [rows] = await connection.raw.query({ sql, timeout: this.options.connectTimeoutMs });
      return rows as T;
    } catch (error) {
      const failure = error as MysqlError & { fatal?: boolean };
      if (failure.fatal || failure.code === 'PROTOCOL_SEQUENCE_TIMEOUT') connection.raw.destroy();
      throw error;
    }
  }

  private async openRaw(node: NodeRef, account: DbCredentials): Promise<OwnConnection> {
    const server = this.options.serverOf(node);
    if (!server) throw new BackendError('other', `${node.instanceId} is not bound to a MySQL server`);
    let raw: Connection;
    try {
      // Loaded on first use: an emulator with only simulated instances never pays for mysql2 at startup.
      const { createConnection } = await import('mysql2/promise');
      raw = await createConnection({
        host: server.host,
        port: server.port,
        user: account.user,
        password: account.password,
        connectTimeout: this.options.connectTimeoutMs,
        supportBigNumbers: true,
        bigNumberStrings: true,
        // The emulator's sessions are recognisable in the processlist they inspect.
        connectAttributes: { program_name: 'das-emulator' },
      });
    } catch (error) {
      const failure = backendError(server, error as MysqlError);
      // The engine logs the consequence (a failed kill or listing) at warn level.
      this.options.log.debug('mysql connection failed', { server: describeServer({ host: server.host, port: server.port }), user: account.user, kind: failure.kind, reason: failure.message });
      throw failure;
    }
    // A connection killed from elsewhere reports it as an event; without a listener it would crash the process.
    raw.on('error', (error: MysqlError) => this.options.log.debug('mysql connection closed', { thread: raw.threadId, reason: error.code ?? error.message }));
    const connection = { raw, server, key: ownKey(server, raw.threadId) };
    this.ownThreadIds.add(connection.key);
    return connection;
  }

  /** Closes politely, or destroys the socket when the server does not answer; forgets the id only once it is closed. */
  private async release(connection: OwnConnection): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), CLOSE_GRACE_MS)));
    const ended = await Promise.race([connection.raw.end().then(() => true, () => false), grace]);
    clearTimeout(timer);
    if (!ended) connection.raw.destroy();
    this.ownThreadIds.delete(connection.key);
  }
}
