/**
 * A real MySQL/MariaDB server for tests: where it is, whether it answers, and a scope that creates
 * uniquely named users and databases, opens victim connections, and drops everything afterwards.
 */
import { randomBytes } from 'node:crypto';
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import { parseMysqlUrl, type MysqlServer } from '../../src/backends/mysql-url.js';

export const TEST_MYSQL_URL = process.env.DAS_EMULATOR_TEST_MYSQL_URL || 'mysql://root@127.0.0.1:3306';
export const REQUIRE_MYSQL = process.env.REQUIRE_MYSQL === '1';

const server: MysqlServer = parseMysqlUrl(TEST_MYSQL_URL);

function connect(user: string, password: string, database?: string): Promise<Connection> {
  return createConnection({ host: server.host, port: server.port, user, password, database, connectTimeout: 3000, supportBigNumbers: true, bigNumberStrings: true });
}

const admin = () => connect(server.account?.user ?? 'root', server.account?.password ?? '');

/** Why no test server can be used, or undefined when one answers with an account that can create users. */
export async function unavailableReason(): Promise<string | undefined> {
  try {
    const connection = await admin();
    await connection.end();
    return undefined;
  } catch (error) {
    return `no MySQL server answers at ${TEST_MYSQL_URL.replace(/:[^:@/]*@/, ':***@')} (${(error as Error).message}); set DAS_EMULATOR_TEST_MYSQL_URL, or REQUIRE_MYSQL=1 to fail instead`;
  }
}

/** What a test user may do: kill anyone (SUPER, as a privileged cloud account), see everyone, or neither. */
export type Grants = 'kill-any' | 'process' | 'standard';

export interface DbUser {
  readonly user: string;
  readonly password: string;
}

/** A connection held open as a session to kill (or to spare). */
export interface Victim {
  readonly id: bigint;
  readonly user: string;
  readonly connection: Connection;
}

export class ServerScope {
  /** Every name this scope creates starts with it, so parallel runs never meet. */
  readonly prefix = `dase_${randomBytes(4).toString('hex')}`;
  private readonly users: string[] = [];
  private readonly databases: string[] = [];
  private readonly victims: Connection[] = [];

  private constructor(readonly admin: Connection) {}

  static async open(): Promise<ServerScope> {
    return new ServerScope(await admin());
  }

  async createUser(role: string, grants: Grants, databases: readonly string[] = []): Promise<DbUser> {
    const user = `${this.prefix}_${role}`;
    const password = `Pw#${randomBytes(6).toString('hex')}`;
    await this.admin.query('CREATE USER ?@? IDENTIFIED BY ?', [user, '%', password]);
    this.users.push(user);
    if (grants === 'kill-any') await this.admin.query('GRANT PROCESS, SUPER ON *.* TO ?@?', [user, '%']);
    if (grants === 'process') await this.admin.query('GRANT PROCESS ON *.* TO ?@?', [user, '%']);
    for (const db of databases) await this.admin.query(`GRANT ALL ON \`${db}\`.* TO ?@?`, [user, '%']);
    return { user, password };
  }

  async createDatabase(role: string): Promise<string> {
    const name = `${this.prefix}_${role}`;
    await this.admin.query(`CREATE DATABASE \`${name}\``);
    this.databases.push(name);
    await this.admin.query(`CREATE TABLE \`${name}\`.t (id INT AUTO_INCREMENT PRIMARY KEY, v INT NOT NULL)`);
    return name;
  }

  /** An idle session of `account`, in `database` if given. */
  async idle(account: DbUser, database?: string): Promise<Victim> {
    const connection = await connect(account.user, account.password, database);
    // A killed connection reports it as an event; the test only asks the server whether it lives.
    connection.on('error', () => {});
    this.victims.push(connection);
    return { id: BigInt(connection.threadId), user: account.user, connection };
  }

  /** A session busy with `SELECT SLEEP(60)`. */
  async sleeping(account: DbUser, database?: string): Promise<Victim> {
    const victim = await this.idle(account, database);
    victim.connection.query('SELECT SLEEP(60)').catch(() => {});
    await this.until(async () => (await this.session(victim.id))?.command === 'Query');
    return victim;
  }

  /** A session inside an open transaction holding `rows` uncommitted rows in `database`.t. */
  async inTransaction(account: DbUser, database: string, rows = 1): Promise<Victim> {
    const victim = await this.idle(account, database);
    await victim.connection.query('START TRANSACTION');
    await victim.connection.query('INSERT INTO t (v) VALUES (1)');
    // Doubling keeps the statement count logarithmic in the row count.
    for (let have = 1; have < rows; have *= 2) await victim.connection.query('INSERT INTO t (v) SELECT v FROM t');
    return victim;
  }

  /** The processlist row of a thread, as the server's administrator sees it. */
  async session(id: bigint): Promise<{ command: string; user: string } | undefined> {
    const [rows] = await this.admin.query<RowDataPacket[]>('SELECT COMMAND AS command, USER AS user FROM information_schema.PROCESSLIST WHERE ID = ?', [id.toString()]);
    return rows[0] as { command: string; user: string } | undefined;
  }

  async alive(victim: Victim): Promise<boolean> {
    return (await this.session(victim.id)) !== undefined;
  }

  /** Users with sessions on the server that this scope did not create (other tests, other services). */
  async foreignUsers(): Promise<string[]> {
    const [rows] = await this.admin.query<RowDataPacket[]>('SELECT DISTINCT USER AS user FROM information_schema.PROCESSLIST');
    return rows.map((r) => String(r.user)).filter((u) => !u.startsWith(this.prefix));
  }

  async until(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async dispose(): Promise<void> {
    for (const connection of this.victims) connection.destroy();
    for (const user of this.users) await this.admin.query('DROP USER IF EXISTS ?@?', [user, '%']);
    for (const db of this.databases) await this.admin.query(`DROP DATABASE IF EXISTS \`${db}\``);
    await this.admin.end();
  }
}
