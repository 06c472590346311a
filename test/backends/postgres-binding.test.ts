import { describe, expect, it } from 'vitest';
import { toSession } from '../../src/backends/postgres.js';
import { describePostgresServer, formatPostgresUrl, parsePostgresUrl, PostgresUrlError } from '../../src/backends/postgres-url.js';
import { ConfigError, configFromCli } from '../../src/config.js';
import { Catalog } from '../../src/engine/catalog.js';
import { FixtureError, parseFixtures } from '../../src/fixtures/load.js';
import { defaultFixtures } from '../support/fixtures.js';

const PG = { instanceId: '8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3ein03', nodeId: '' };
const MYSQL = { instanceId: '6a7b8c9d0e1f4a2b8c3d4e5f6a7b8c9din01', nodeId: '' };

describe('parsePostgresUrl', () => {
  it('reads host, port, database and the account, decoding percent escapes; the database defaults to postgres', () => {
    expect(parsePostgresUrl('postgresql://postgres@127.0.0.1:5432/shop')).toEqual({ host: '127.0.0.1', port: 5432, database: 'shop', account: { user: 'postgres', password: '' } });
    expect(parsePostgresUrl('postgres://ops:p%40ss%3Aword@db.internal')).toEqual({ host: 'db.internal', port: 5432, database: 'postgres', account: { user: 'ops', password: 'p@ss:word' } });
    expect(parsePostgresUrl('postgresql://[::1]:5433/')).toEqual({ host: '::1', port: 5433, database: 'postgres' });
  });

  it.each([
    ['another scheme', 'mysql://root@127.0.0.1:3306', /postgresql: scheme/],
    ['connection options', 'postgresql://u@127.0.0.1:5432/db?sslmode=disable', /no query or fragment/],
    ['options in a fragment', 'postgresql://u@127.0.0.1/db#x', /no query or fragment/],
    ['a path of more than one name', 'postgresql://u@127.0.0.1/a/b', /one database name/],
    ['a password without a user', 'postgresql://:secret@127.0.0.1', /needs a user/],
    ['no URL at all', '127.0.0.1:5432', /expected postgresql:\/\//],
  ])('refuses %s', (_case, text, message) => {
    expect(() => parsePostgresUrl(text)).toThrow(PostgresUrlError);
    expect(() => parsePostgresUrl(text)).toThrow(message);
  });

  it('never repeats the password in an error or a description; formats back to what it parses', () => {
    const secret = 'Sup3rSecret';
    for (const text of [`postgresql://u:${secret}@h/db?x=1`, `mysql://u:${secret}@h`, `postgresql://u:${secret}@h:99999/db`]) {
      let message = '';
      try {
        parsePostgresUrl(text);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).not.toBe('');
      expect(message).not.toContain(secret);
    }
    const server = parsePostgresUrl(`postgresql://ops:${secret}@db:5433/my%20db`);
    expect(describePostgresServer(server)).toBe('postgresql://ops@db:5433/my db');
    expect(parsePostgresUrl(formatPostgresUrl(server))).toEqual(server);
  });
});

describe('a pg_stat_activity row as a session', () => {
  const row = { pid: '4242', usename: 'app', datname: 'shop', addr: '10.0.0.5', port: 51000, state: 'idle in transaction', query: 'UPDATE t SET v = 1', seconds: '7', xid: '7311', trx_seconds: '9' };

  it('maps pid, role, client address, database, state, query, time in state and the transaction', () => {
    expect(toSession(row)).toEqual({ id: 4242n, user: 'app', host: '10.0.0.5:51000', db: 'shop', command: 'Sleep', time: 7, state: 'idle in transaction', info: 'UPDATE t SET v = 1', trxId: '7311', trxSeconds: 9 });
  });

  it('a running statement is Query; a transaction without an xid yet is "0"; a Unix socket client is localhost; outside a transaction no trx', () => {
    expect(toSession({ ...row, state: 'active', xid: null })).toMatchObject({ command: 'Query', trxId: '0', trxSeconds: 9 });
    expect(toSession({ ...row, addr: null, port: -1, state: 'idle', trx_seconds: null, xid: null })).toMatchObject({ host: 'localhost', command: 'Sleep', trxId: null, trxSeconds: null });
  });
});

describe('binding PostgreSQL instances to a server', () => {
  const server = parsePostgresUrl('postgresql://postgres@127.0.0.1:5432/postgres');

  it('--postgres-url binds every PostgreSQL instance (no MySQL one), and its account maintains them', () => {
    const catalog = new Catalog(parseFixtures(defaultFixtures(), 'test'), { defaultPostgres: server });
    expect(catalog.postgresOf(PG)).toEqual(server);
    expect(catalog.isBound(PG)).toBe(true);
    expect(catalog.postgresOf(MYSQL)).toBeUndefined();
    expect(catalog.isBound(MYSQL)).toBe(false);
    expect(catalog.maintenanceAccountOf(PG)).toEqual({ user: 'postgres', password: '' });
    expect(catalog.hasBoundNodes()).toBe(true);
  });

  it('--mysql-url binds no PostgreSQL instance', () => {
    const catalog = new Catalog(parseFixtures(defaultFixtures(), 'test'), { defaultServer: { host: '127.0.0.1', port: 3306 } });
    expect(catalog.isBound(PG)).toBe(false);
    expect(catalog.serverOf(PG)).toBeUndefined();
  });

  it('lets a fixture bind the instance itself; a URL without an account keeps the fixture maintenance account', () => {
    const fixtures = defaultFixtures();
    fixtures.instances.find((i: { engine: string }) => i.engine === 'PostgreSQL').postgres = 'postgresql://db-a:5433/shop';
    const catalog = new Catalog(parseFixtures(fixtures, 'test'), { defaultPostgres: server });
    expect(catalog.postgresOf(PG)).toEqual({ host: 'db-a', port: 5433, database: 'shop' });
    expect(catalog.maintenanceAccountOf(PG)).toEqual({ user: 'rdsAdmin', password: 'Maintain#2026' });
  });

  it('refuses a bad URL by its JSON path, a MySQL instance bound to PostgreSQL and a PostgreSQL one bound to MySQL', () => {
    const bad = defaultFixtures();
    const pgIndex = bad.instances.findIndex((i: { engine: string }) => i.engine === 'PostgreSQL');
    bad.instances[pgIndex].postgres = 'postgresql://root:hunter2@db/shop?sslmode=off';
    expect(() => parseFixtures(bad, 'f.json')).toThrow(FixtureError);
    expect(() => parseFixtures(bad, 'f.json')).toThrow(new RegExp(`instances\\.${pgIndex}\\.postgres: a server URL has no query`));
    expect(() => parseFixtures(bad, 'f.json')).not.toThrow(/hunter2/);
    const mysqlBound = defaultFixtures();
    mysqlBound.instances[0].postgres = 'postgresql://db/shop';
    expect(() => parseFixtures(mysqlBound, 'f.json')).toThrow(/instances\.0\.postgres: only PostgreSQL instances/);
    const pgOnMysql = defaultFixtures();
    pgOnMysql.instances[pgIndex].mysql = 'mysql://db:3306';
    expect(() => parseFixtures(pgOnMysql, 'f.json')).toThrow(/only MySQL engines/);
    const alibabaPg = defaultFixtures();
    alibabaPg.instances[0].engine = 'PostgreSQL';
    expect(() => parseFixtures(alibabaPg, 'f.json')).toThrow(/instances\.0\.engine: the emulated Alibaba DAS serves no PostgreSQL instances/);
  });

  it('takes --postgres-url and DAS_EMULATOR_POSTGRES_URL, and blames the source of a bad one without echoing it', () => {
    expect(configFromCli(['--postgres-url', 'postgresql://postgres@127.0.0.1:5432/postgres'], {})).toMatchObject({ postgresUrl: server });
    expect(configFromCli([], { DAS_EMULATOR_POSTGRES_URL: 'postgres://postgres@127.0.0.1' })).toMatchObject({ postgresUrl: server });
    expect(() => configFromCli(['--postgres-url', 'postgresql://u:hunter2@db/x?a=b'], {})).toThrow(ConfigError);
    expect(() => configFromCli(['--postgres-url', 'postgresql://u:hunter2@db/x?a=b'], {})).toThrow(/--postgres-url: a server URL has no query/);
    expect(() => configFromCli([], { DAS_EMULATOR_POSTGRES_URL: 'postgresql://u:hunter2@db/x?a=b' })).toThrow(/DAS_EMULATOR_POSTGRES_URL: a server URL has no query/);
    expect(() => configFromCli([], { DAS_EMULATOR_POSTGRES_URL: 'postgresql://u:hunter2@db/x?a=b' })).not.toThrow(/hunter2/);
  });
});
