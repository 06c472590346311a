/**
 * A real PostgreSQL server for tests: where it is, whether it answers, and a scope that creates
 * uniquely named roles and databases, opens victim sessions, and drops everything afterwards.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { parsePostgresUrl, type PostgresServer } from '../../src/backends/postgres-url.js';

export const TEST_POSTGRES_URL = process.env.DAS_EMULATOR_TEST_POSTGRES_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';
export const REQUIRE_POSTGRES = process.env.REQUIRE_POSTGRES === '1';

export const server: PostgresServer = parsePostgresUrl(TEST_POSTGRES_URL);

async function connect(user: string, password: string, database = server.database): Promise<pg.Client> {
  const client = new pg.Client({ host: server.host, port: server.port, user, password, database, connectionTimeoutMillis: 3000, application_name: 'das-emulator-tests' });
  // A terminated session reports it as an event; the test only asks the server whether it lives.
  client.on('error', () => {});
  await client.connect();
  return client;
}

const admin = () => connect(server.account?.user ?? 'postgres', server.account?.password ?? '');

/** Why no test server can be used, or undefined when one answers with an account that can create roles. */
export async function unavailableReason(): Promise<string | undefined> {
  try {
    const client = await admin();
    await client.end();
    return undefined;
  } catch (error) {
    return `no PostgreSQL server answers at ${TEST_POSTGRES_URL.replace(/:[^:@/]*@/, ':***@')} (${(error as Error).message}); set DAS_EMULATOR_TEST_POSTGRES_URL, or REQUIRE_POSTGRES=1 to fail instead`;
  }
}

/** What a test role may do: anything (SUPERUSER), signal any non-superuser backend (pg_signal_backend), or neither. */
export type RoleKind = 'superuser' | 'signal-any' | 'standard';

export interface DbRole {
  readonly user: string;
  readonly password: string;
}

/** A session held open to terminate (or to spare). */
export interface Victim {
  readonly id: bigint;
  readonly user: string;
  readonly client: pg.Client;
}

const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

export class PgScope {
  /** Every name this scope creates starts with it, so parallel runs never meet. */
  readonly prefix = `dasp_${randomBytes(4).toString('hex')}`;
  private readonly roles: string[] = [];
  private readonly databases: string[] = [];
  private readonly victims: pg.Client[] = [];

  private constructor(readonly admin: pg.Client) {}

  static async open(): Promise<PgScope> {
    return new PgScope(await admin());
  }

  /** A login role; `memberOf` grants it the privileges of other (scope) roles, whose sessions it may then end. */
  async createRole(name: string, kind: RoleKind, memberOf: readonly DbRole[] = []): Promise<DbRole> {
    const user = `${this.prefix}_${name}`;
    const password = `Pw${randomBytes(6).toString('hex')}`;
    await this.admin.query(`CREATE ROLE ${quote(user)} LOGIN ${kind === 'superuser' ? 'SUPERUSER' : ''} PASSWORD '${password}'`);
    this.roles.push(user);
    if (kind === 'signal-any') await this.admin.query(`GRANT pg_signal_backend TO ${quote(user)}`);
    for (const role of memberOf) await this.admin.query(`GRANT ${quote(role.user)} TO ${quote(user)}`);
    return { user, password };
  }

  async createDatabase(name: string): Promise<string> {
    const database = `${this.prefix}_${name}`;
    await this.admin.query(`CREATE DATABASE ${quote(database)}`);
    this.databases.push(database);
    return database;
  }

  /** An idle session of `role` in `database`, after one statement (`SELECT 1`). */
  async idle(role: DbRole, database: string): Promise<Victim> {
    const client = await connect(role.user, role.password, database);
    this.victims.push(client);
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    await client.query('SELECT 1');
    return { id: BigInt(rows[0]!.pid), user: role.user, client };
  }

  /** A session busy with `SELECT pg_sleep(60)`. */
  async sleeping(role: DbRole, database: string): Promise<Victim> {
    const victim = await this.idle(role, database);
    victim.client.query('SELECT pg_sleep(60)').catch(() => {});
    await this.until(async () => (await this.session(victim.id))?.state === 'active');
    return victim;
  }

  /** A session idle inside a transaction that holds an xid (it wrote a temporary table). */
  async inTransaction(role: DbRole, database: string): Promise<Victim> {
    const victim = await this.idle(role, database);
    await victim.client.query('BEGIN');
    await victim.client.query('CREATE TEMPORARY TABLE t (v int)');
    await victim.client.query('INSERT INTO t VALUES (1)');
    return victim;
  }

  /** The pg_stat_activity row of a pid, as the server's superuser sees it. */
  async session(id: bigint): Promise<{ state: string | null; usename: string } | undefined> {
    const { rows } = await this.admin.query<{ state: string | null; usename: string }>('SELECT state, usename FROM pg_stat_activity WHERE pid = $1', [id.toString()]);
    return rows[0];
  }

  async alive(victim: Victim): Promise<boolean> {
    return (await this.session(victim.id)) !== undefined;
  }

  async until(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async dispose(): Promise<void> {
    await Promise.all(this.victims.map((client) => client.end().catch(() => {})));
    // Whatever the emulator still holds as these roles ends before they are dropped.
    await this.admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = ANY($1::text[]) AND pid <> pg_backend_pid()', [this.roles]);
    for (const database of this.databases) await this.admin.query(`DROP DATABASE IF EXISTS ${quote(database)} WITH (FORCE)`);
    for (const role of this.roles.reverse()) await this.admin.query(`DROP ROLE IF EXISTS ${quote(role)}`);
    await this.admin.end();
  }
}
