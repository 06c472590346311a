import { randomIds, type IdSource } from '../ids.js';
import type { Db } from './database.js';
import type { SecretBox } from '../secrets.js';

/**
 * A registered DB account (Huawei RegisterDbUser). Its public fields never carry the password: the sealed
 * password travels privately with the record and `DbUserStore.password(record)` decrypts it.
 */
export interface DbUserRecord {
  readonly id: string;
  /** The Huawei project id that registered it. */
  readonly owner: string;
  readonly instanceId: string;
  readonly username: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface RegisterDbUserInput {
  readonly owner: string;
  readonly instanceId: string;
  readonly username: string;
  readonly password: string;
  readonly now: number;
}

export interface UpdateDbUserInput {
  readonly username: string;
  readonly password: string;
  readonly now: number;
}

export interface DbUserListFilter {
  readonly id?: string;
  readonly username?: string;
  readonly offset: number;
  readonly limit: number;
}

/** Thrown by `update` when the new username is already registered on the instance under another id. */
export class DbUsernameTakenError extends Error {
  constructor(
    readonly instanceId: string,
    readonly username: string,
  ) {
    super(`db user ${JSON.stringify(username)} is already registered on instance ${instanceId}`);
    this.name = 'DbUsernameTakenError';
  }
}

interface Row {
  id: string;
  owner: string;
  instance_id: string;
  username: string;
  password_sealed: string;
  created_at: number;
  updated_at: number;
}

interface ListParams {
  instance_id: string;
  id: string | null;
  username: string | null;
  offset: number;
  limit: number;
}

/** The sealed password of each record handed out, out of reach of JSON.stringify, spreading and inspection. */
const sealedOf = new WeakMap<DbUserRecord, string>();
/**
 * Passwords already decrypted, by record: every Huawei kill decrypts its account's. In this process's
 * memory only, like the key itself; a record is dropped on every write (see `records`), and its
 * password with it.
 */
const openedOf = new WeakMap<DbUserRecord, string>();

const fromRow = (r: Row): DbUserRecord => {
  const record: DbUserRecord = Object.freeze({
    id: r.id,
    owner: r.owner,
    instanceId: r.instance_id,
    username: r.username,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });
  sealedOf.set(record, r.password_sealed);
  return record;
};

const LIST_WHERE = 'instance_id = @instance_id AND (@id IS NULL OR id = @id) AND (@username IS NULL OR username = @username)';

/** The DB-user registry: accounts registered per instance, passwords encrypted at rest with a SecretBox. */
export class DbUserStore {
  private readonly insertStmt;
  private readonly getStmt;
  private readonly byUsernameStmt;
  private readonly updateStmt;
  private readonly setPasswordStmt;
  private readonly deleteStmt;
  private readonly listStmt;
  private readonly countStmt;
  private readonly instancesStmt;
  private readonly clearInstanceStmt;
  private readonly clearAllStmt;
  /** Accounts as read, by instance and id: every Huawei session call looks its account up. Every write drops them all. */
  private readonly records = new Map<string, DbUserRecord>();

  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
    private readonly ids: IdSource = randomIds,
  ) {
    this.insertStmt = db.prepare<Row>(
      `INSERT INTO db_users (id, owner, instance_id, username, password_sealed, created_at, updated_at)
       VALUES (@id, @owner, @instance_id, @username, @password_sealed, @created_at, @updated_at)`,
    );
    this.getStmt = db.prepare<[string, string], Row>('SELECT * FROM db_users WHERE instance_id = ? AND id = ?');
    this.byUsernameStmt = db.prepare<[string, string], Row>('SELECT * FROM db_users WHERE instance_id = ? AND username = ?');
    this.updateStmt = db.prepare<[string, string, number, string, string]>(
      'UPDATE db_users SET username = ?, password_sealed = ?, updated_at = ? WHERE instance_id = ? AND id = ?',
    );
    this.setPasswordStmt = db.prepare<[string, number, string, string]>(
      'UPDATE db_users SET password_sealed = ?, updated_at = ? WHERE instance_id = ? AND id = ?',
    );
    this.deleteStmt = db.prepare<[string, string]>('DELETE FROM db_users WHERE instance_id = ? AND id = ?');
    this.listStmt = db.prepare<ListParams, Row>(
      `SELECT * FROM db_users WHERE ${LIST_WHERE} ORDER BY created_at, id LIMIT @limit OFFSET @offset`,
    );
    this.countStmt = db.prepare<Omit<ListParams, 'offset' | 'limit'>, { total: number }>(
      `SELECT count(*) AS total FROM db_users WHERE ${LIST_WHERE}`,
    );
    this.instancesStmt = db.prepare<[string], { n: number }>('SELECT count(DISTINCT instance_id) AS n FROM db_users WHERE owner = ?');
    this.clearInstanceStmt = db.prepare<[string]>('DELETE FROM db_users WHERE instance_id = ?');
    this.clearAllStmt = db.prepare<[]>('DELETE FROM db_users');
  }

  /**
   * Registers an account on an instance. A username already registered there keeps its id (and owner) and
   * takes the new password: the result then says `created: false`.
   */
  register(input: RegisterDbUserInput): { user: DbUserRecord; created: boolean } {
    const sealed = this.box.seal(input.password);
    this.forget();
    return this.db.transaction(() => {
      const existing = this.byUsernameStmt.get(input.instanceId, input.username);
      if (existing) {
        this.setPasswordStmt.run(sealed, input.now, existing.instance_id, existing.id);
        return { user: fromRow({ ...existing, password_sealed: sealed, updated_at: input.now }), created: false };
      }
      const row: Row = {
        id: this.ids.uuid(),
        owner: input.owner,
        instance_id: input.instanceId,
        username: input.username,
        password_sealed: sealed,
        created_at: input.now,
        updated_at: input.now,
      };
      this.insertStmt.run(row);
      return { user: fromRow(row), created: true };
    })();
  }

  get(instanceId: string, id: string): DbUserRecord | undefined {
    const key = `${instanceId}\u0000${id}`;
    const cached = this.records.get(key);
    if (cached) return cached;
    const row = this.getStmt.get(instanceId, id);
    const record = row ? fromRow(row) : undefined;
    // Unknown ids are not remembered: a client guessing ids must not grow the map.
    if (record) this.records.set(key, record);
    return record;
  }

  /** Drops the accounts read into memory: after a rollback they may hold what was never committed. */
  forget(): void {
    this.records.clear();
  }

  /** One page of an instance's accounts, oldest first, with the number of all matches (before paging). */
  list(instanceId: string, filter: DbUserListFilter): { users: DbUserRecord[]; total: number } {
    if (!Number.isInteger(filter.offset) || filter.offset < 0) throw new RangeError(`offset must be an integer >= 0, not ${filter.offset}`);
    if (!Number.isInteger(filter.limit) || filter.limit < 0) throw new RangeError(`limit must be an integer >= 0, not ${filter.limit}`);
    const where = { instance_id: instanceId, id: filter.id ?? null, username: filter.username ?? null };
    return this.db.transaction(() => ({
      users: this.listStmt.all({ ...where, offset: filter.offset, limit: filter.limit }).map(fromRow),
      total: this.countStmt.get(where)?.total ?? 0,
    }))();
  }

  /**
   * Replaces an account's username and password. Undefined when the instance has no such account;
   * throws DbUsernameTakenError when another account of the instance already has that username.
   */
  update(instanceId: string, id: string, input: UpdateDbUserInput): DbUserRecord | undefined {
    const sealed = this.box.seal(input.password);
    this.forget();
    return this.db.transaction(() => {
      const current = this.getStmt.get(instanceId, id);
      if (!current) return undefined;
      const holder = this.byUsernameStmt.get(instanceId, input.username);
      if (holder && holder.id !== id) throw new DbUsernameTakenError(instanceId, input.username);
      this.updateStmt.run(input.username, sealed, input.now, instanceId, id);
      return fromRow({ ...current, username: input.username, password_sealed: sealed, updated_at: input.now });
    })();
  }

  delete(instanceId: string, id: string): boolean {
    this.forget();
    return this.deleteStmt.run(instanceId, id).changes > 0;
  }

  /** Decrypts the password a record carries (as it was when the record was read). */
  password(record: DbUserRecord): string {
    const sealed = sealedOf.get(record);
    if (sealed === undefined) throw new Error(`db user ${record.id} was not read from a DbUserStore (copies do not carry the password)`);
    let password = openedOf.get(record);
    if (password === undefined) openedOf.set(record, (password = this.box.open(sealed)));
    return password;
  }

  /** How many instances of a project have at least one registered account. */
  countInstancesWithUsers(owner: string): number {
    return this.instancesStmt.get(owner)?.n ?? 0;
  }

  /** Forgets the accounts of one instance, or of all instances. */
  clear(instanceId?: string): void {
    this.forget();
    if (instanceId === undefined) this.clearAllStmt.run();
    else this.clearInstanceStmt.run(instanceId);
  }
}
