import { describe, expect, it } from 'vitest';
import { clientIdArgument, parseClientList } from '../../src/backends/redis-client-list.js';
import { describeRedisServer, formatRedisUrl, parseRedisUrl, RedisUrlError } from '../../src/backends/redis-url.js';
import { ConfigError, configFromCli } from '../../src/config.js';
import { Catalog } from '../../src/engine/catalog.js';
import { redisProtectionOf } from '../../src/engine/protection.js';
import { FixtureError, parseFixtures } from '../../src/fixtures/load.js';
import type { RedisClient } from '../../src/model.js';
import { defaultFixtures } from '../support/fixtures.js';

describe('parseRedisUrl', () => {
  it('reads host, port and the account, decoding percent escapes; a password alone is the default user', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6379')).toEqual({ host: '127.0.0.1', port: 6379 });
    expect(parseRedisUrl('redis://cache.internal')).toEqual({ host: 'cache.internal', port: 6379 });
    expect(parseRedisUrl('redis://ops:p%40ss%3Aword@[::1]:6380/')).toEqual({ host: '::1', port: 6380, username: 'ops', password: 'p@ss:word' });
    expect(parseRedisUrl('redis://:secret@h')).toEqual({ host: 'h', port: 6379, password: 'secret' });
  });

  it.each([
    ['another scheme', 'rediss://127.0.0.1:6379', /redis: scheme/],
    ['a database path', 'redis://127.0.0.1:6379/2', /no database path, query or fragment/],
    ['connection options', 'redis://127.0.0.1:6379?family=6', /no database path, query or fragment/],
    ['a user without a password', 'redis://ops@127.0.0.1', /needs a password/],
    ['no URL at all', '127.0.0.1:6379', /expected redis:\/\//],
  ])('refuses %s', (_case, text, message) => {
    expect(() => parseRedisUrl(text)).toThrow(RedisUrlError);
    expect(() => parseRedisUrl(text)).toThrow(message);
  });

  it('never repeats the password in an error or a description; formatRedisUrl reads back the same server', () => {
    const secret = 'Sup3rSecret';
    for (const text of [`redis://u:${secret}@h:6379/0`, `rediss://u:${secret}@h`, `redis://u:${secret}@h:99999`]) {
      expect(() => parseRedisUrl(text)).toThrow();
      try {
        parseRedisUrl(text);
      } catch (error) {
        expect((error as Error).message).not.toContain(secret);
      }
    }
    const server = parseRedisUrl(`redis://ops:${secret}@cache:6380`);
    expect(describeRedisServer(server)).toBe('redis://ops@cache:6380');
    expect(parseRedisUrl(formatRedisUrl(server))).toEqual(server);
    expect(parseRedisUrl(formatRedisUrl(parseRedisUrl('redis://:pw@h')))).toEqual({ host: 'h', port: 6379, password: 'pw' });
  });

  it('--redis-url / DAS_EMULATOR_REDIS_URL bind the Redis instances only, and a bad URL refuses to start', () => {
    const config = configFromCli(['--redis-url', 'redis://127.0.0.1:6390'], {});
    if (typeof config === 'string') throw new Error('expected a config');
    expect(config.redisUrl).toEqual({ host: '127.0.0.1', port: 6390 });
    const fromEnv = configFromCli([], { DAS_EMULATOR_REDIS_URL: 'redis://cache:6379' });
    expect(typeof fromEnv !== 'string' && fromEnv.redisUrl).toEqual({ host: 'cache', port: 6379 });
    expect(() => configFromCli(['--redis-url', 'http://x'], {})).toThrow(ConfigError);
    expect(() => configFromCli(['--redis-url', 'http://x'], {})).toThrow(/--redis-url: expected the redis: scheme/);
    const catalog = new Catalog(parseFixtures(defaultFixtures()), { defaultRedisServer: config.redisUrl });
    expect(catalog.redisServerOf('r-emulator0001')).toEqual({ host: '127.0.0.1', port: 6390 });
    expect(catalog.redisServerOf('rm-emulator0001')).toBeUndefined();
    expect(catalog.serverOf({ instanceId: 'r-emulator0001', nodeId: '' })).toBeUndefined();
  });
});

describe('Redis fixtures', () => {
  const withRedis = (change: (instance: Record<string, any>) => void) => {
    const document = defaultFixtures();
    change(document.instances.find((i: { engine: string }) => i.engine === 'Redis'));
    return document;
  };

  it('fill in an idle client for the fields not given, and take a redis binding', () => {
    const parsed = parseFixtures(withRedis((i) => ((i.clients = [{ addr: '10.0.0.1:5000' }]), (i.redis = 'redis://127.0.0.1:6379'))));
    const redis = parsed.instances.find((i) => i.engine === 'Redis')!;
    expect(redis.clients).toEqual([{ addr: '10.0.0.1:5000', laddr: '', name: '', age: 0, idle: 0, flags: 'N', db: 0, sub: 0, psub: 0, multi: -1, qbuf: 0, qbufFree: 0, obl: 0, oll: 0, omem: 0, events: 'r', cmd: 'NULL', user: 'default' }]);
    expect(redis.redis).toEqual({ host: '127.0.0.1', port: 6379 });
  });

  it.each<[string, (instance: Record<string, any>) => void, RegExp]>([
    ['a client idle longer than connected', (i) => (i.clients = [{ addr: 'h:1', age: 5, idle: 6 }]), /clients\.0\.idle: a client cannot be idle for longer/],
    ['a client name with a space', (i) => (i.clients = [{ addr: 'h:1', name: 'a b' }]), /clients\.0\.name: a Redis client name has no spaces/],
    ['an addr without a port', (i) => (i.clients = [{ addr: '10.0.0.1' }]), /clients\.0\.addr: addr is the client's ip:port/],
    ['a client id listed twice', (i) => (i.clients = [{ id: 5, addr: 'h:1' }, { id: 5, addr: 'h:2' }]), /clients\.1\.id: client id 5 is listed twice/],
    ['a bad redis URL', (i) => (i.redis = 'redis://h:6379/3'), /redis: a Redis server URL has no database path/],
    ['MySQL sessions on a Redis instance', (i) => (i.sessions = [{ user: 'app' }]), /sessions: a Redis instance lists clients, not MySQL sessions/],
  ])('refuse %s, naming its path', (_case, change, message) => {
    expect(() => parseFixtures(withRedis(change), 'f.json')).toThrow(FixtureError);
    expect(() => parseFixtures(withRedis(change), 'f.json')).toThrow(message);
  });

  it('refuse clients or a Redis binding on a MySQL instance', () => {
    const document = defaultFixtures();
    document.instances[0].clients = [{ addr: 'h:1' }];
    expect(() => parseFixtures(document, 'f.json')).toThrow(/only Redis instances list clients/);
    delete document.instances[0].clients;
    document.instances[0].redis = 'redis://h:6379';
    expect(() => parseFixtures(document, 'f.json')).toThrow(/only Redis instances can be bound to a Redis server/);
  });
});

describe('CLIENT LIST', () => {
  const LINE_7 =
    'id=3 addr=127.0.0.1:51234 laddr=127.0.0.1:6379 fd=8 name=worker-1 age=12 idle=3 flags=b db=2 sub=0 psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=20474 argv-mem=0 multi-mem=0 rbs=1024 rbp=0 obl=0 oll=0 omem=0 tot-mem=1800 events=r cmd=blpop user=default redir=-1 resp=2';

  it('is read field by field, ids exactly (above 2^53 too), and lines without a valid id are dropped', () => {
    const text = `${LINE_7}\nid=18446744073709551615 addr=[::1]:4000 fd=9 name= age=0 idle=0 flags=N db=0 cmd=NULL\nid=abc addr=h:1\nid=18446744073709551616 addr=h:2\n\n`;
    const [first, second, ...rest] = parseClientList(text);
    expect(first).toEqual({ id: 3n, addr: '127.0.0.1:51234', laddr: '127.0.0.1:6379', fd: 8, name: 'worker-1', age: 12, idle: 3, flags: 'b', db: 2, sub: 0, psub: 0, multi: -1, qbuf: 0, qbufFree: 20474, obl: 0, oll: 0, omem: 0, events: 'r', cmd: 'blpop', user: 'default' });
    // Redis 5 prints no user=, laddr= or multi= for some clients: zero values, `default` and -1.
    expect(second).toMatchObject({ id: 18446744073709551615n, addr: '[::1]:4000', laddr: '', name: '', user: 'default', multi: -1, qbufFree: 0 });
    expect(rest).toEqual([]);
  });

  it('CLIENT KILL ID gets nothing but the digits of an unsigned 64-bit id', () => {
    expect(clientIdArgument(42n)).toBe('42');
    expect(clientIdArgument(2n ** 64n - 1n)).toBe('18446744073709551615');
    expect(() => clientIdArgument(-1n)).toThrow(RangeError);
    expect(() => clientIdArgument(2n ** 64n)).toThrow(RangeError);
  });

  it('protects the kill\'s own connection, replication links and internal ACL users, nothing else', () => {
    const client = (over: Partial<RedisClient>): RedisClient => ({ ...parseClientList(LINE_7)[0]!, ...over });
    const rules = { internalAccounts: new Set(['aliyun_root']), ownConnectionIds: new Set([99n]) };
    expect(redisProtectionOf(client({ id: 99n }), rules)).toBe('internal');
    expect(redisProtectionOf(client({ flags: 'S' }), rules)).toBe('internal');
    expect(redisProtectionOf(client({ flags: 'M' }), rules)).toBe('internal');
    expect(redisProtectionOf(client({ user: 'aliyun_root' }), rules)).toBe('internal');
    for (const flags of ['N', 'b', 'x', 'P', 'O', 'bx']) expect(redisProtectionOf(client({ flags }), rules)).toBeNull();
    expect(redisProtectionOf(client({ user: 'ALIYUN_ROOT' }), rules)).toBeNull();
  });
});
