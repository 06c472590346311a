import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type Db = Database.Database;

/** Versioned schema; each entry runs once, in order, inside a transaction. */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE sessions (
    instance_id TEXT NOT NULL,
    node_id     TEXT NOT NULL,
    id          INTEGER NOT NULL,
    user        TEXT NOT NULL,
    host        TEXT NOT NULL,
    db          TEXT,
    command     TEXT NOT NULL,
    state       TEXT NOT NULL,
    info        TEXT,
    since_ms    INTEGER NOT NULL,
    trx_id      TEXT,
    trx_since_ms INTEGER,
    PRIMARY KEY (instance_id, node_id, id)
  ) WITHOUT ROWID;

  CREATE TABLE seeded_nodes (
    instance_id TEXT NOT NULL,
    node_id     TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    PRIMARY KEY (instance_id, node_id)
  ) WITHOUT ROWID;

  CREATE TABLE tasks (
    seq          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    provider     TEXT NOT NULL,
    owner        TEXT NOT NULL,
    instance_id  TEXT NOT NULL,
    node_id      TEXT NOT NULL,
    sub_task_id  TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    kill_all     INTEGER NOT NULL,
    db_user      TEXT NOT NULL,
    session_ids  TEXT NOT NULL,
    state        TEXT NOT NULL,
    final_state  TEXT NOT NULL,
    polls_left   INTEGER,
    finish_at    INTEGER,
    finished_at  INTEGER
  );
  CREATE INDEX tasks_running ON tasks (state) WHERE state = 'running';

  CREATE TABLE task_results (
    task_seq    INTEGER NOT NULL REFERENCES tasks (seq) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    session_id  TEXT NOT NULL,
    user        TEXT NOT NULL,
    host        TEXT NOT NULL,
    db          TEXT,
    command     TEXT NOT NULL,
    time        INTEGER NOT NULL,
    state       TEXT NOT NULL,
    info        TEXT,
    trx_id      TEXT,
    trx_seconds INTEGER,
    outcome     TEXT NOT NULL,
    PRIMARY KEY (task_seq, position)
  ) WITHOUT ROWID;

  CREATE TABLE session_listings (
    id          TEXT PRIMARY KEY,
    owner       TEXT NOT NULL,
    instance_id TEXT NOT NULL,
    node_id     TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    sessions    TEXT NOT NULL
  ) WITHOUT ROWID;
  `,
  `
  CREATE TABLE db_users (
    id              TEXT PRIMARY KEY,
    owner           TEXT NOT NULL,
    instance_id     TEXT NOT NULL,
    username        TEXT NOT NULL,
    password_sealed TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (instance_id, username)
  ) WITHOUT ROWID;
  CREATE INDEX db_users_owner_instance ON db_users (owner, instance_id);
  `,
  // Why a kill or a listing could not reach its node (a real server refusing or not answering).
  `
  ALTER TABLE tasks ADD COLUMN failure_kind TEXT;
  ALTER TABLE tasks ADD COLUMN failure_message TEXT;
  ALTER TABLE session_listings ADD COLUMN failure TEXT;
  `,
  // The control plane lists and resets per instance.
  `
  CREATE INDEX tasks_instance ON tasks (instance_id);
  CREATE INDEX session_listings_instance ON session_listings (instance_id);
  `,
  // Task retention by age.
  `
  CREATE INDEX tasks_created ON tasks (created_at);
  `,
  // Small facts about the data file itself (how many seeded runs it has seen).
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  `,
  // Signature nonces seen within their replay window, so that a replay fails after a restart too.
  `
  CREATE TABLE used_nonces (digest BLOB PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
  CREATE INDEX used_nonces_expiry ON used_nonces (expires_at);
  `,
  // Simulated Redis client connections (CLIENT LIST rows), one list per Redis instance.
  `
  CREATE TABLE redis_clients (
    instance_id  TEXT NOT NULL,
    id           INTEGER NOT NULL,
    fields       TEXT NOT NULL,
    connected_ms INTEGER NOT NULL,
    active_ms    INTEGER NOT NULL,
    PRIMARY KEY (instance_id, id)
  ) WITHOUT ROWID;
  `,
];

/** Counts the runs started with a seed on this data file; returns how many came before this one. */
export function countSeededRun(db: Db): number {
  return db.transaction(() => {
    const row = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'seeded_runs'").get();
    const before = row ? Number(row.value) : 0;
    db.prepare("INSERT INTO meta (key, value) VALUES ('seeded_runs', ?) ON CONFLICT DO UPDATE SET value = excluded.value").run(String(before + 1));
    return before;
  })();
}

/**
 * How long a statement may wait for another connection's write lock while the emulator starts: it
 * does not listen yet, so nothing else waits behind it.
 */
export const STARTUP_BUSY_TIMEOUT_MS = 5000;
/**
 * And once it serves: better-sqlite3 waits synchronously, on the event loop, so every request and
 * health check would wait too (a foreign lock once froze the server 7 s). A few milliseconds absorb
 * a short foreign commit; longer locks are waited for asynchronously (see StoreGuard).
 */
export const RUNTIME_BUSY_TIMEOUT_MS = 5;

/** Switches an opened data file to the serving wait (RUNTIME_BUSY_TIMEOUT_MS). */
export function useRuntimeBusyTimeout(db: Db): void {
  db.pragma(`busy_timeout = ${RUNTIME_BUSY_TIMEOUT_MS}`);
}

/** Opens (creating if needed) the data file, in WAL mode, and brings its schema up to date. */
export function openDatabase(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma(`busy_timeout = ${STARTUP_BUSY_TIMEOUT_MS}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    db.close();
    throw new Error(`data file ${path} has schema version ${current}, newer than this emulator (${MIGRATIONS.length})`);
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
  return db;
}

/** What a data file holds from earlier runs, for the start-up line (read before this run changes anything). */
export function storedState(db: Db): { readonly tasks: number; readonly dbUsers: number; readonly seededNodes: number } {
  const count = (table: 'tasks' | 'db_users' | 'seeded_nodes') => db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM ${table}`).get()?.n ?? 0;
  return { tasks: count('tasks'), dbUsers: count('db_users'), seededNodes: count('seeded_nodes') };
}

/** What `PRAGMA quick_check` found wrong with the file (empty when it is sound); throws on a page too broken to walk. */
export function quickCheckProblems(db: Db): string[] {
  return (db.pragma('quick_check') as Array<{ quick_check: string }>).map((row) => row.quick_check).filter((line) => line !== 'ok');
}

/** Commits one real write (the start time), proving the file, its WAL and folder can be written and no one holds the write lock. */
export function recordStart(db: Db, at: Date): void {
  db.transaction(() => db.prepare("INSERT INTO meta (key, value) VALUES ('last_start', ?) ON CONFLICT DO UPDATE SET value = excluded.value").run(at.toISOString())).immediate();
}
