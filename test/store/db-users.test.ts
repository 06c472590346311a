import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSecretKey, SecretBox } from '../../src/secrets.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { DbUsernameTakenError, DbUserStore, type DbUserRecord } from '../../src/store/db-users.js';

const OWNER = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const OTHER_OWNER = 'f9e8d7c6b5a4938271605f4e3d2c1b0a';
const INSTANCE = 'da304cd5bbb944de828759bc7be3d3fein01';
const OTHER_INSTANCE = '0123456789abcdef0123456789abcdefin01';
const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('DbUserStore', () => {
  let db: Db;
  let store: DbUserStore;
  beforeEach(() => {
    db = openDatabase(':memory:');
    store = new DbUserStore(db, new SecretBox(randomBytes(32)));
  });
  afterEach(() => db.close());

  const register = (username: string, password: string, now = T0, instanceId = INSTANCE, owner = OWNER) =>
    store.register({ owner, instanceId, username, password, now });

  it('registers a user with a UUID id and reads it back with its password', () => {
    const { user, created } = register('root', 'Root#Pass1');
    expect(created).toBe(true);
    expect(user).toEqual({ id: expect.stringMatching(UUID), owner: OWNER, instanceId: INSTANCE, username: 'root', createdAt: T0, updatedAt: T0 });
    const read = store.get(INSTANCE, user.id);
    expect(read).toEqual(user);
    expect(store.password(read!)).toBe('Root#Pass1');
    expect(store.password(user)).toBe('Root#Pass1');
  });

  it('gives each registration its own id', () => {
    const ids = new Set(['a', 'b', 'c'].map((name) => register(name, 'pw').user.id));
    expect(ids.size).toBe(3);
  });

  it('stores the password sealed, never in plaintext, in the row', () => {
    register('root', 'Plaintext-Marker-42');
    const row = db.prepare<[], { password_sealed: string }>('SELECT password_sealed FROM db_users').get()!;
    expect(row.password_sealed).toMatch(/^v1:/);
    expect(row.password_sealed).not.toContain('Plaintext-Marker-42');
  });

  it('keeps the password (plain or sealed) out of the record: fields, JSON, spread and inspection', () => {
    const { user } = register('root', 'Hidden-Password-7');
    const sealed = db.prepare<[], { password_sealed: string }>('SELECT password_sealed FROM db_users').get()!.password_sealed;
    expect(Object.keys(user).sort()).toEqual(['createdAt', 'id', 'instanceId', 'owner', 'updatedAt', 'username']);
    for (const text of [JSON.stringify(user), JSON.stringify({ ...user }), inspect(user, { showHidden: true, depth: 5 })]) {
      expect(text).not.toContain('Hidden-Password-7');
      expect(text).not.toContain(sealed.slice(3));
    }
    expect(Object.isFrozen(user)).toBe(true);
  });

  it('refuses to decrypt a copy that was not read from the store', () => {
    const { user } = register('root', 'pw');
    const copy: DbUserRecord = { ...user };
    expect(() => store.password(copy)).toThrow(/not read from a DbUserStore/);
  });

  it('re-registering a username on the same instance keeps the id and replaces the password', () => {
    const first = register('root', 'Old#Pass', T0);
    const again = register('root', 'New#Pass', T0 + 5_000);
    expect(again.created).toBe(false);
    expect(again.user.id).toBe(first.user.id);
    expect(again.user.createdAt).toBe(T0);
    expect(again.user.updatedAt).toBe(T0 + 5_000);
    expect(store.password(again.user)).toBe('New#Pass');
    expect(store.password(store.get(INSTANCE, first.user.id)!)).toBe('New#Pass');
    expect(store.list(INSTANCE, { offset: 0, limit: 100 }).total).toBe(1);
  });

  it('reads what the last write left, through its in-memory copy: update, re-register, delete, clear', () => {
    const { user } = register('root', 'First#1', T0);
    expect(store.password(store.get(INSTANCE, user.id)!)).toBe('First#1');
    store.update(INSTANCE, user.id, { username: 'admin', password: 'Second#2', now: T0 + 1 });
    expect(store.get(INSTANCE, user.id)).toMatchObject({ username: 'admin', updatedAt: T0 + 1 });
    expect(store.password(store.get(INSTANCE, user.id)!)).toBe('Second#2');
    register('admin', 'Third#3', T0 + 2);
    expect(store.password(store.get(INSTANCE, user.id)!)).toBe('Third#3');
    expect(store.delete(INSTANCE, user.id)).toBe(true);
    expect(store.get(INSTANCE, user.id)).toBeUndefined();
    const again = register('root', 'Fourth#4', T0 + 3);
    expect(store.get(INSTANCE, again.user.id)).toBeDefined();
    store.clear(INSTANCE);
    expect(store.get(INSTANCE, again.user.id)).toBeUndefined();
  });

  it('a record keeps the password it was read with', () => {
    const first = register('root', 'Old#Pass', T0);
    register('root', 'New#Pass', T0 + 1);
    expect(store.password(first.user)).toBe('Old#Pass');
  });

  it('registers the same username on two instances as two users', () => {
    const a = register('root', 'pw-a', T0, INSTANCE);
    const b = register('root', 'pw-b', T0, OTHER_INSTANCE);
    expect(b.created).toBe(true);
    expect(b.user.id).not.toBe(a.user.id);
    expect(store.password(store.get(INSTANCE, a.user.id)!)).toBe('pw-a');
    expect(store.password(store.get(OTHER_INSTANCE, b.user.id)!)).toBe('pw-b');
  });

  it('scopes get, update and delete to the instance: another instance\'s id is not found', () => {
    const { user } = register('root', 'pw', T0, INSTANCE);
    expect(store.get(OTHER_INSTANCE, user.id)).toBeUndefined();
    expect(store.update(OTHER_INSTANCE, user.id, { username: 'x', password: 'y', now: T0 + 1 })).toBeUndefined();
    expect(store.delete(OTHER_INSTANCE, user.id)).toBe(false);
    expect(store.get(INSTANCE, user.id)).toEqual(user);
    expect(store.get(INSTANCE, '00000000-0000-4000-8000-000000000000')).toBeUndefined();
  });

  describe('list', () => {
    const names = ['u0', 'u1', 'u2', 'u3', 'u4'];
    let users: DbUserRecord[];
    beforeEach(() => {
      // registered out of order in time: the list orders by created_at, not by insertion
      users = names.map((name, i) => register(name, `pw-${name}`, T0 + (i === 0 ? 10 : i)).user);
      register('elsewhere', 'pw', T0, OTHER_INSTANCE);
    });
    const byAge = () => [...users].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1)).map((u) => u.username);

    it('returns an instance\'s users oldest first with the total', () => {
      const page = store.list(INSTANCE, { offset: 0, limit: 100 });
      expect(page.total).toBe(5);
      expect(page.users.map((u) => u.username)).toEqual(byAge());
      expect(page.users.map((u) => u.username)).toEqual(['u1', 'u2', 'u3', 'u4', 'u0']);
    });

    it('pages with offset and limit; total counts every match before paging', () => {
      expect(store.list(INSTANCE, { offset: 0, limit: 2 })).toMatchObject({ total: 5, users: [{ username: 'u1' }, { username: 'u2' }] });
      expect(store.list(INSTANCE, { offset: 2, limit: 2 })).toMatchObject({ total: 5, users: [{ username: 'u3' }, { username: 'u4' }] });
      expect(store.list(INSTANCE, { offset: 4, limit: 2 })).toMatchObject({ total: 5, users: [{ username: 'u0' }] });
      expect(store.list(INSTANCE, { offset: 5, limit: 2 })).toEqual({ total: 5, users: [] });
      expect(store.list(INSTANCE, { offset: 0, limit: 0 })).toEqual({ total: 5, users: [] });
    });

    it('breaks created_at ties by id', () => {
      const tied = ['t1', 't2', 't3', 't4'].map((name) => register(name, 'pw', T0 + 100).user);
      const listed = store.list(INSTANCE, { offset: 5, limit: 100 }).users.map((u) => u.id);
      expect(listed).toEqual(tied.map((u) => u.id).sort());
    });

    it('filters by username and by id, exactly, with the filtered total', () => {
      const u3 = users[3]!;
      expect(store.list(INSTANCE, { username: 'u3', offset: 0, limit: 100 })).toEqual({ total: 1, users: [u3] });
      expect(store.list(INSTANCE, { id: u3.id, offset: 0, limit: 100 })).toEqual({ total: 1, users: [u3] });
      expect(store.list(INSTANCE, { id: u3.id, username: 'u3', offset: 0, limit: 100 })).toEqual({ total: 1, users: [u3] });
      expect(store.list(INSTANCE, { id: u3.id, username: 'u2', offset: 0, limit: 100 })).toEqual({ total: 0, users: [] });
      expect(store.list(INSTANCE, { username: 'U3', offset: 0, limit: 100 }).total).toBe(0);
      expect(store.list(INSTANCE, { username: 'u%', offset: 0, limit: 100 }).total).toBe(0);
      expect(store.list(INSTANCE, { username: 'u3', offset: 1, limit: 100 })).toEqual({ total: 1, users: [] });
    });

    it('does not list another instance\'s users', () => {
      expect(store.list(OTHER_INSTANCE, { offset: 0, limit: 100 })).toMatchObject({ total: 1, users: [{ username: 'elsewhere' }] });
      expect(store.list(INSTANCE, { username: 'elsewhere', offset: 0, limit: 100 }).total).toBe(0);
      expect(store.list('no-such-instance', { offset: 0, limit: 100 })).toEqual({ total: 0, users: [] });
    });

    it('listed records can be decrypted', () => {
      const listed = store.list(INSTANCE, { username: 'u2', offset: 0, limit: 1 }).users[0]!;
      expect(store.password(listed)).toBe('pw-u2');
    });

    it('rejects a negative or fractional offset or limit', () => {
      expect(() => store.list(INSTANCE, { offset: -1, limit: 10 })).toThrow(RangeError);
      expect(() => store.list(INSTANCE, { offset: 0, limit: -1 })).toThrow(RangeError);
      expect(() => store.list(INSTANCE, { offset: 0.5, limit: 10 })).toThrow(RangeError);
    });
  });

  describe('update', () => {
    it('replaces username and password, keeps id and created_at, sets updated_at', () => {
      const { user } = register('root', 'Old#Pass', T0);
      const updated = store.update(INSTANCE, user.id, { username: 'admin', password: 'New#Pass', now: T0 + 60_000 });
      expect(updated).toEqual({ ...user, username: 'admin', updatedAt: T0 + 60_000 });
      expect(store.password(updated!)).toBe('New#Pass');
      const read = store.get(INSTANCE, user.id)!;
      expect(read).toEqual(updated);
      expect(store.password(read)).toBe('New#Pass');
      expect(store.list(INSTANCE, { username: 'root', offset: 0, limit: 10 }).total).toBe(0);
      // the old username is free again: registering it creates a new user
      expect(register('root', 'pw', T0 + 70_000).created).toBe(true);
    });

    it('may keep the same username and change only the password', () => {
      const { user } = register('root', 'Old#Pass', T0);
      const updated = store.update(INSTANCE, user.id, { username: 'root', password: 'Changed', now: T0 + 1 })!;
      expect(updated.username).toBe('root');
      expect(store.password(store.get(INSTANCE, user.id)!)).toBe('Changed');
    });

    it('returns undefined for an unknown id', () => {
      expect(store.update(INSTANCE, '00000000-0000-4000-8000-000000000000', { username: 'a', password: 'b', now: T0 })).toBeUndefined();
      expect(store.list(INSTANCE, { offset: 0, limit: 10 }).total).toBe(0);
    });

    it('refuses a username another user of the instance has, changing nothing', () => {
      const root = register('root', 'root-pw', T0).user;
      const app = register('app', 'app-pw', T0 + 1).user;
      expect(() => store.update(INSTANCE, app.id, { username: 'root', password: 'x', now: T0 + 2 })).toThrow(DbUsernameTakenError);
      expect(store.get(INSTANCE, app.id)).toEqual(app);
      expect(store.password(store.get(INSTANCE, app.id)!)).toBe('app-pw');
      expect(store.password(store.get(INSTANCE, root.id)!)).toBe('root-pw');
    });
  });

  it('deletes a user once', () => {
    const { user } = register('root', 'pw');
    const other = register('app', 'pw').user;
    expect(store.delete(INSTANCE, user.id)).toBe(true);
    expect(store.get(INSTANCE, user.id)).toBeUndefined();
    expect(store.delete(INSTANCE, user.id)).toBe(false);
    expect(store.list(INSTANCE, { offset: 0, limit: 10 })).toEqual({ total: 1, users: [other] });
  });

  it('counts the instances of a project that have registered users', () => {
    expect(store.countInstancesWithUsers(OWNER)).toBe(0);
    register('root', 'pw', T0, INSTANCE);
    register('app', 'pw', T0, INSTANCE);
    expect(store.countInstancesWithUsers(OWNER)).toBe(1);
    const second = register('root', 'pw', T0, OTHER_INSTANCE).user;
    expect(store.countInstancesWithUsers(OWNER)).toBe(2);
    register('root', 'pw', T0, '22222222222222222222222222222222in01', OTHER_OWNER);
    expect(store.countInstancesWithUsers(OWNER)).toBe(2);
    expect(store.countInstancesWithUsers(OTHER_OWNER)).toBe(1);
    store.delete(OTHER_INSTANCE, second.id);
    expect(store.countInstancesWithUsers(OWNER)).toBe(1);
  });

  it('clears one instance, or every instance', () => {
    register('root', 'pw', T0, INSTANCE);
    register('app', 'pw', T0, INSTANCE);
    register('root', 'pw', T0, OTHER_INSTANCE);
    store.clear(INSTANCE);
    expect(store.list(INSTANCE, { offset: 0, limit: 10 }).total).toBe(0);
    expect(store.list(OTHER_INSTANCE, { offset: 0, limit: 10 }).total).toBe(1);
    store.clear();
    expect(store.list(OTHER_INSTANCE, { offset: 0, limit: 10 }).total).toBe(0);
    expect(store.countInstancesWithUsers(OWNER)).toBe(0);
  });

  it('cannot decrypt with a store whose SecretBox has another key', () => {
    const { user } = register('root', 'pw');
    const stranger = new DbUserStore(db, new SecretBox(randomBytes(32)));
    expect(() => stranger.password(stranger.get(INSTANCE, user.id)!)).toThrow(/tampered with or sealed with another key/);
  });
});

describe('DbUserStore on a data file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'das-emulator-db-users-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** Every byte of the data file and its WAL (if any) as they are now. */
  const fileBytes = (dataPath: string): Buffer =>
    Buffer.concat([dataPath, `${dataPath}-wal`].filter((p) => existsSync(p)).map((p) => readFileSync(p)));

  it('never writes the plaintext password to the SQLite file or its WAL', () => {
    const dataPath = join(dir, 'das.db');
    const password = 'Zq7-plaintext-canary-Xk3';
    const username = 'canary_user_name';
    const db = openDatabase(dataPath);
    const store = new DbUserStore(db, new SecretBox(loadSecretKey({ dataPath, envKey: undefined })));
    const { user } = store.register({ owner: OWNER, instanceId: INSTANCE, username, password, now: T0 });
    store.update(INSTANCE, user.id, { username, password: `${password}-2`, now: T0 + 1 });
    store.register({ owner: OWNER, instanceId: INSTANCE, username, password: `${password}-3`, now: T0 + 2 });

    // while open: the new rows are in the WAL
    const whileOpen = fileBytes(dataPath);
    expect(whileOpen.includes(Buffer.from(username))).toBe(true); // the search does see stored text
    expect(whileOpen.includes(Buffer.from(password))).toBe(false);

    db.close();
    const afterClose = fileBytes(dataPath);
    expect(afterClose.includes(Buffer.from(username))).toBe(true);
    expect(afterClose.includes(Buffer.from(password))).toBe(false);
    expect(afterClose.includes(Buffer.from(password, 'utf16le'))).toBe(false);
  });

  it('decrypts after a restart with the kept key file', () => {
    const dataPath = join(dir, 'das.db');
    const first = openDatabase(dataPath);
    const { user } = new DbUserStore(first, new SecretBox(loadSecretKey({ dataPath, envKey: undefined }))).register({
      owner: OWNER,
      instanceId: INSTANCE,
      username: 'root',
      password: 'Persisted#1',
      now: T0,
    });
    first.close();

    const second = openDatabase(dataPath);
    try {
      const store = new DbUserStore(second, new SecretBox(loadSecretKey({ dataPath, envKey: undefined })));
      const read = store.get(INSTANCE, user.id)!;
      expect(read).toEqual(user);
      expect(store.password(read)).toBe('Persisted#1');
    } finally {
      second.close();
    }
  });
});
