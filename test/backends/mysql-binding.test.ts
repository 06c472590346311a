import { describe, expect, it } from 'vitest';
import { threadIdLiteral } from '../../src/backends/mysql.js';
import { describeServer, MysqlUrlError, parseMysqlUrl } from '../../src/backends/mysql-url.js';
import { ConfigError, configFromCli } from '../../src/config.js';
import { Catalog } from '../../src/engine/catalog.js';
import { FixtureError, parseFixtures } from '../../src/fixtures/load.js';
import { defaultFixtures } from '../support/fixtures.js';

describe('parseMysqlUrl', () => {
  it('reads host, port and the account, decoding percent escapes', () => {
    expect(parseMysqlUrl('mysql://root@127.0.0.1:3306')).toEqual({ host: '127.0.0.1', port: 3306, account: { user: 'root', password: '' } });
    expect(parseMysqlUrl('mysql://ops:p%40ss%3Aword@db.internal')).toEqual({ host: 'db.internal', port: 3306, account: { user: 'ops', password: 'p@ss:word' } });
    expect(parseMysqlUrl('mysql://[::1]:3307/')).toEqual({ host: '::1', port: 3307 });
  });

  it.each([
    ['another scheme', 'postgres://root@127.0.0.1:5432', /mysql: scheme/],
    ['a database path', 'mysql://root@127.0.0.1:3306/shop', /no path, query or fragment/],
    ['connection options', 'mysql://root@127.0.0.1:3306?multipleStatements=true', /no path, query or fragment/],
    ['a password without a user', 'mysql://:secret@127.0.0.1', /needs a user/],
    ['no URL at all', '127.0.0.1:3306', /expected mysql:\/\//],
  ])('refuses %s', (_case, text, message) => {
    expect(() => parseMysqlUrl(text)).toThrow(MysqlUrlError);
    expect(() => parseMysqlUrl(text)).toThrow(message);
  });

  it('never repeats the password in an error or a description', () => {
    const secret = 'Sup3rSecret';
    for (const text of [`mysql://root:${secret}@h:3306/db`, `postgres://root:${secret}@h`, `mysql://root:${secret}@h:99999`]) {
      let message = '';
      try {
        parseMysqlUrl(text);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).not.toBe('');
      expect(message).not.toContain(secret);
    }
    expect(describeServer(parseMysqlUrl(`mysql://root:${secret}@db:3307`))).toBe('mysql://root@db:3307');
  });
});

describe('threadIdLiteral', () => {
  it('gives the digits of ids from 0 to 2^64-1', () => {
    expect(threadIdLiteral(0n)).toBe('0');
    expect(threadIdLiteral(18_446_744_073_709_551_615n)).toBe('18446744073709551615');
  });

  it('refuses anything MySQL would coerce into another thread', () => {
    expect(() => threadIdLiteral(-1n)).toThrow(RangeError);
    expect(() => threadIdLiteral(18_446_744_073_709_551_616n)).toThrow(RangeError);
  });
});

describe('binding instances to a server', () => {
  const server = parseMysqlUrl('mysql://root@127.0.0.1:3306');

  it('--mysql-url binds every MySQL instance and cluster node, not Redis, and its account maintains them', () => {
    const catalog = new Catalog(parseFixtures(defaultFixtures(), 'test'), { defaultServer: server });
    expect(catalog.serverOf({ instanceId: 'rm-emulator0001', nodeId: '' })).toEqual(server);
    expect(catalog.serverOf({ instanceId: 'pc-emulator0001', nodeId: 'pi-emulator0002' })).toEqual(server);
    expect(catalog.serverOf({ instanceId: 'r-emulator0001', nodeId: '' })).toBeUndefined();
    expect(catalog.maintenanceAccountOf({ instanceId: 'rm-emulator0001', nodeId: '' })).toEqual({ user: 'root', password: '' });
    expect(catalog.hasBoundNodes()).toBe(true);
  });

  it('leaves everything simulated without a binding', () => {
    const catalog = new Catalog(parseFixtures(defaultFixtures(), 'test'));
    expect(catalog.hasBoundNodes()).toBe(false);
    expect(catalog.maintenanceAccountOf({ instanceId: 'rm-emulator0001', nodeId: '' })).toEqual({ user: 'aliyun_root', password: 'Maintain#2026' });
  });

  it('lets a fixture bind an instance or one node itself; a URL without an account keeps the fixture maintenance account', () => {
    const fixtures = defaultFixtures();
    fixtures.instances[0].mysql = 'mysql://db-a:3306';
    fixtures.instances[1].nodes[1].mysql = 'mysql://ops:pw@db-b:3307';
    const catalog = new Catalog(parseFixtures(fixtures, 'test'), { defaultServer: server });
    expect(catalog.serverOf({ instanceId: 'rm-emulator0001', nodeId: '' })).toEqual({ host: 'db-a', port: 3306 });
    expect(catalog.maintenanceAccountOf({ instanceId: 'rm-emulator0001', nodeId: '' })).toEqual({ user: 'aliyun_root', password: 'Maintain#2026' });
    // A cluster that binds one node itself keeps its other nodes simulated.
    expect(catalog.serverOf({ instanceId: 'pc-emulator0001', nodeId: 'pi-emulator0001' })).toBeUndefined();
    expect(catalog.maintenanceAccountOf({ instanceId: 'pc-emulator0001', nodeId: 'pi-emulator0002' })).toEqual({ user: 'ops', password: 'pw' });
  });

  it('refuses a bad URL in fixtures by its JSON path, and a Redis instance bound to MySQL', () => {
    const bad = defaultFixtures();
    bad.instances[0].mysql = 'mysql://root:hunter2@db/shop';
    expect(() => parseFixtures(bad, 'f.json')).toThrow(FixtureError);
    expect(() => parseFixtures(bad, 'f.json')).toThrow(/instances\.0\.mysql: a server URL has no path/);
    expect(() => parseFixtures(bad, 'f.json')).not.toThrow(/hunter2/);
    const redis = defaultFixtures();
    redis.instances.find((i: { engine: string }) => i.engine === 'Redis').mysql = 'mysql://db:3306';
    expect(() => parseFixtures(redis, 'f.json')).toThrow(/only MySQL engines/);
  });

  it('takes --mysql-url and DAS_EMULATOR_MYSQL_URL, and blames the source of a bad one without echoing it', () => {
    expect(configFromCli(['--mysql-url', 'mysql://root@127.0.0.1:3306'], {})).toMatchObject({ mysqlUrl: server });
    expect(configFromCli([], { DAS_EMULATOR_MYSQL_URL: 'mysql://root@127.0.0.1:3306', DAS_EMULATOR_KILL_TIMEOUT_MS: '250' })).toMatchObject({ mysqlUrl: server, killTimeoutMs: 250 });
    expect(() => configFromCli(['--mysql-url', 'mysql://root:hunter2@db/shop'], {})).toThrow(ConfigError);
    expect(() => configFromCli(['--mysql-url', 'mysql://root:hunter2@db/shop'], {})).toThrow(/--mysql-url: a server URL has no path/);
    expect(() => configFromCli(['--mysql-url', 'mysql://root:hunter2@db/shop'], {})).not.toThrow(/hunter2/);
    expect(() => configFromCli([], { DAS_EMULATOR_KILL_TIMEOUT_MS: '0' })).toThrow(/DAS_EMULATOR_KILL_TIMEOUT_MS/);
  });
});
