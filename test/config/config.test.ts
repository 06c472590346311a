import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { AUTH_MODES, ConfigError, configFromCli, DEFAULT_FIXTURES, resolveConfig, USAGE, type EmulatorConfig } from '../../src/config.js';
import { FixtureError, loadFixtureFile, parseFixtures } from '../../src/fixtures/load.js';
import { LOG_LEVELS } from '../../src/log.js';

const BUNDLED_FIXTURES = fileURLToPath(new URL('../../fixtures/default.json', import.meta.url));

const DEFAULTS: EmulatorConfig = {
  port: 9327,
  host: '127.0.0.1',
  data: './.das-emulator/emulator.db',
  fixtures: BUNDLED_FIXTURES,
  auth: 'enforce',
  logLevel: 'info',
  logFormat: 'text',
  journalSize: 1000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  maxConnections: 800,
  killTimeoutMs: 30_000,
  mysqlConnectTimeoutMs: 5_000,
  strict: false,
};

/** The ConfigError message `fn` throws (fails the test if it throws nothing or something else). */
function configErrorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

describe('configFromCli defaults', () => {
  it('gives the documented defaults with no flags and no env', () => {
    expect(configFromCli([], {})).toEqual(DEFAULTS);
  });

  it('points the default fixtures at the bundled fixtures/default.json', () => {
    expect(DEFAULT_FIXTURES).toBe(BUNDLED_FIXTURES);
  });

  it('ignores unrelated and empty env variables', () => {
    expect(configFromCli([], { PORT: '1', HOST: 'x', DAS_EMULATOR_PORT: '', DAS_EMULATOR_AUTH: '' })).toEqual(DEFAULTS);
  });

  it('returns "help" for --help and -h', () => {
    expect(configFromCli(['--help'], {})).toBe('help');
    expect(configFromCli(['-h'], {})).toBe('help');
    expect(configFromCli(['--port', '1', '--help'], { DAS_EMULATOR_AUTH: 'off' })).toBe('help');
  });

  it('documents every flag and env twin in its usage text', () => {
    for (const word of ['--port', '--host', '--data', '--fixtures', '--auth', '--log-level', '--help']) expect(USAGE).toContain(word);
    for (const suffix of ['PORT', 'HOST', 'DATA', 'FIXTURES', 'AUTH', 'LOG_LEVEL']) expect(USAGE).toContain(`DAS_EMULATOR_${suffix}`);
  });
});

describe('configFromCli flags and env twins', () => {
  const cases: Array<[keyof EmulatorConfig, string, string, string, unknown]> = [
    ['port', 'port', 'DAS_EMULATOR_PORT', '8080', 8080],
    ['host', 'host', 'DAS_EMULATOR_HOST', '0.0.0.0', '0.0.0.0'],
    ['data', 'data', 'DAS_EMULATOR_DATA', '/tmp/x/emulator.db', '/tmp/x/emulator.db'],
    ['fixtures', 'fixtures', 'DAS_EMULATOR_FIXTURES', '/tmp/x/fixtures.json', '/tmp/x/fixtures.json'],
    ['auth', 'auth', 'DAS_EMULATOR_AUTH', 'off', 'off'],
    ['logLevel', 'log-level', 'DAS_EMULATOR_LOG_LEVEL', 'debug', 'debug'],
  ];

  it.each(cases)('%s from --%s', (key, flag, _env, text, value) => {
    expect(configFromCli([`--${flag}`, text], {})).toEqual({ ...DEFAULTS, [key]: value });
    expect(configFromCli([`--${flag}=${text}`], {})).toEqual({ ...DEFAULTS, [key]: value });
  });

  it.each(cases)('%s from %s', (key, _flag, env, text, value) => {
    expect(configFromCli([], { [env]: text })).toEqual({ ...DEFAULTS, [key]: value });
  });

  it.each(cases)('%s: the flag wins over the env twin', (key, flag, env, text, value) => {
    const other = ({ port: '1234', host: '::1', data: ':memory:', fixtures: '/elsewhere.json', auth: 'log', logLevel: 'error' } as Record<string, string>)[key];
    expect(configFromCli([`--${flag}`, text], { [env]: other })).toEqual({ ...DEFAULTS, [key]: value });
    expect(configFromCli([], { [env]: other })[key as never]).toBe(key === 'port' ? 1234 : other);
  });

  it('takes the secret key from DAS_EMULATOR_SECRET_KEY only: no flag puts it on the command line', () => {
    expect(configFromCli([], { DAS_EMULATOR_SECRET_KEY: 'ab'.repeat(32) })).toEqual({ ...DEFAULTS, secretKey: 'ab'.repeat(32) });
    expect(() => configFromCli(['--secret-key', 'x'], {})).toThrow(/secret-key/);
  });

  it('--strict is a switch; its env twin takes true, false, 1 or 0, and the flag wins', () => {
    const strictOf = (argv: string[], env: Record<string, string>) => (configFromCli(argv, env) as EmulatorConfig).strict;
    expect(strictOf(['--strict'], {})).toBe(true);
    expect(strictOf([], { DAS_EMULATOR_STRICT: '1' })).toBe(true);
    expect(strictOf([], { DAS_EMULATOR_STRICT: 'false' })).toBe(false);
    expect(strictOf(['--strict'], { DAS_EMULATOR_STRICT: '0' })).toBe(true);
    expect(configErrorOf(() => configFromCli([], { DAS_EMULATOR_STRICT: 'yes' }))).toBe('invalid configuration: DAS_EMULATOR_STRICT: expected true, false, 1 or 0');
    expect(resolveConfig({ strict: true }).strict).toBe(true);
  });

  it('accepts every auth mode and every log level', () => {
    for (const auth of AUTH_MODES) expect(configFromCli(['--auth', auth], {})).toMatchObject({ auth });
    for (const logLevel of LOG_LEVELS) expect(configFromCli(['--log-level', logLevel], {})).toMatchObject({ logLevel });
  });

  it('accepts port 0 and port 65535', () => {
    expect(configFromCli(['--port', '0'], {})).toMatchObject({ port: 0 });
    expect(configFromCli(['--port', '65535'], {})).toMatchObject({ port: 65535 });
  });

  it('mixes flags and env: each field from its own source', () => {
    expect(configFromCli(['--auth', 'log'], { DAS_EMULATOR_PORT: '9000', DAS_EMULATOR_LOG_LEVEL: 'warn' })).toEqual({
      ...DEFAULTS,
      auth: 'log',
      port: 9000,
      logLevel: 'warn',
    });
  });
});

describe('configFromCli errors name the bad field and its source', () => {
  it.each([
    ['a non-numeric port flag', ['--port', 'abc'], {}, '--port'],
    ['an empty port flag', ['--port='], {}, '--port'],
    ['a negative port flag', ['--port=-1'], {}, '--port'],
    ['a fractional port flag', ['--port', '80.5'], {}, '--port'],
    ['a port flag above 65535', ['--port', '65536'], {}, '--port'],
    ['a non-numeric port env', [], { DAS_EMULATOR_PORT: 'abc' }, 'DAS_EMULATOR_PORT'],
    ['a port env above 65535', [], { DAS_EMULATOR_PORT: '70000' }, 'DAS_EMULATOR_PORT'],
    ['an unknown --auth mode', ['--auth', 'sometimes'], {}, '--auth'],
    ['an unknown DAS_EMULATOR_AUTH mode', [], { DAS_EMULATOR_AUTH: 'sometimes' }, 'DAS_EMULATOR_AUTH'],
    ['an unknown --log-level', ['--log-level', 'loud'], {}, '--log-level'],
    ['an unknown DAS_EMULATOR_LOG_LEVEL', [], { DAS_EMULATOR_LOG_LEVEL: 'loud' }, 'DAS_EMULATOR_LOG_LEVEL'],
    ['an empty --host', ['--host', ''], {}, '--host'],
    ['an empty --data', ['--data='], {}, '--data'],
    ['an unknown flag', ['--colour', 'blue'], {}, '--colour'],
    ['a stray positional argument', ['serve'], {}, 'serve'],
  ] as Array<[string, string[], Record<string, string>, string]>)('%s', (_what, argv, env, named) => {
    const message = configErrorOf(() => configFromCli(argv, env));
    expect(message).toContain(named);
  });

  it('blames the flag, not the env twin, when the flag is the bad one', () => {
    const message = configErrorOf(() => configFromCli(['--auth', 'nope'], { DAS_EMULATOR_AUTH: 'off' }));
    expect(message).toContain('--auth');
    expect(message).not.toContain('DAS_EMULATOR_AUTH');
  });

  it('blames the env twin when it is the source of a port above 65535', () => {
    const message = configErrorOf(() => configFromCli([], { DAS_EMULATOR_PORT: '99999' }));
    expect(message).toContain('DAS_EMULATOR_PORT');
    expect(message).not.toContain('--port');
  });

  it('quotes the bad port value', () => {
    expect(configErrorOf(() => configFromCli(['--port', 'abc'], {}))).toContain('"abc"');
  });

  it('names every bad field, each with its own source', () => {
    const message = configErrorOf(() => configFromCli(['--auth', 'x'], { DAS_EMULATOR_LOG_LEVEL: 'y' }));
    expect(message).toContain('--auth');
    expect(message).toContain('DAS_EMULATOR_LOG_LEVEL');
  });
});

describe('resolveConfig', () => {
  it('fills in the defaults', () => {
    expect(resolveConfig({})).toEqual(DEFAULTS);
  });

  it('takes programmatic options, coercing a numeric port string', () => {
    expect(resolveConfig({ port: 0, auth: 'off', data: ':memory:' })).toEqual({ ...DEFAULTS, port: 0, auth: 'off', data: ':memory:' });
    expect(resolveConfig({ port: '4321' })).toMatchObject({ port: 4321 });
  });

  it.each([
    ['a non-numeric port', { port: 'abc' }, 'port'],
    ['a port above 65535', { port: 65536 }, 'port'],
    ['a negative port', { port: -1 }, 'port'],
    ['a fractional port', { port: 1.5 }, 'port'],
    ['an unknown auth mode', { auth: 'sometimes' }, 'auth'],
    ['an unknown log level', { logLevel: 'loud' }, 'logLevel'],
    ['an empty host', { host: '' }, 'host'],
    ['an unknown option', { colour: 'blue' }, 'colour'],
  ])('rejects %s, naming the field', (_what, options, field) => {
    const message = configErrorOf(() => resolveConfig(options));
    expect(message).toMatch(/^invalid configuration: /);
    expect(message).toContain(`${field}: `);
  });

  it('names the field by the origin it is given', () => {
    const origin = (key: string) => `option "${key}"`;
    expect(configErrorOf(() => resolveConfig({ port: 70000 }, origin))).toContain('option "port": ');
    expect(configErrorOf(() => resolveConfig({ logLevel: 'loud' }, origin))).toContain('option "logLevel": ');
    expect(configErrorOf(() => resolveConfig({ colour: 'blue' }, origin))).toContain('option "colour": ');
  });
});

describe('fixture validation', () => {
  const bundled = () => JSON.parse(readFileSync(BUNDLED_FIXTURES, 'utf8'));

  /** The FixtureError message parseFixtures throws for the bundled document after `mutate`. */
  function fixtureErrorOf(mutate: (doc: any) => void, origin?: string): string {
    const doc = bundled();
    mutate(doc);
    try {
      parseFixtures(doc, origin);
    } catch (error) {
      expect(error).toBeInstanceOf(FixtureError);
      return (error as Error).message;
    }
    throw new Error('expected a FixtureError, the document parsed');
  }

  it('parses the bundled fixtures/default.json', () => {
    const fixtures = parseFixtures(bundled());
    expect(fixtures.instances.map((i) => [i.id, i.engine])).toEqual([
      ['rm-emulator0001', 'MySQL'],
      ['pc-emulator0001', 'PolarDBMySQL'],
      ['r-emulator0001', 'Redis'],
      ['6a7b8c9d0e1f4a2b8c3d4e5f6a7b8c9din01', 'MySQL'],
      ['8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3ein03', 'PostgreSQL'],
    ]);
    expect(fixtures.alibaba.accounts.map((a) => a.uid)).toEqual(['1234567890123456']);
    expect(fixtures.huawei.accounts.map((a) => a.projects.map((p) => p.id))).toEqual([['0a1b2c3d4e5f60718293a4b5c6d7e8f9']]);
    // Defaults are applied.
    expect(fixtures.instances[0]!.taskCompletion).toEqual({ mode: 'immediate' });
    expect(fixtures.alibaba.accounts[0]!.identities[0]!.accessKeys[0]!.status).toBe('Active');
    expect(fixtures.instances[2]!.dbAccounts).toEqual([]);
    expect(loadFixtureFile(BUNDLED_FIXTURES)).toEqual(fixtures);
  });

  it('gives the defaults for an empty document', () => {
    const fixtures = parseFixtures({});
    expect(fixtures.instances).toEqual([]);
    expect(fixtures.alibaba.accounts).toEqual([]);
    expect(fixtures.alibaba.internalAccounts).toContain('aliyun_root');
  });

  it.each([
    ['an instance with an unknown engine', (d: any) => (d.instances[0].engine = 'Oracle'), 'instances.0.engine'],
    ['a duplicate instance id', (d: any) => (d.instances[2].id = 'rm-emulator0001'), 'instances.2.id'],
    ['a node id that repeats an instance id', (d: any) => (d.instances[1].nodes[1].id = 'rm-emulator0001'), 'instances.1.nodes.1.id'],
    ['a duplicate AccessKeyId', (d: any) => (d.alibaba.accounts[0].identities[1].accessKeys[0].id = 'testAccessKeyId'), 'alibaba.accounts.0.identities.1.accessKeys.0.id'],
    ['an owner uid that is no account', (d: any) => (d.instances[0].owner = '6543210987654321'), 'instances.0.owner'],
    ['a PolarDB cluster without nodes', (d: any) => delete d.instances[1].nodes, 'instances.1.nodes'],
    ['a PolarDB cluster with an empty node list', (d: any) => (d.instances[1].nodes = []), 'instances.1.nodes'],
    ['a PolarDB cluster listing sessions itself', (d: any) => (d.instances[1].sessions = []), 'instances.1.sessions'],
    ['a MySQL instance with nodes', (d: any) => (d.instances[0].nodes = [{ id: 'n1' }]), 'instances.0.nodes'],
    ['an unknown key on an instance', (d: any) => (d.instances[0].colour = 'blue'), 'instances.0'],
    ['an unknown key on a session', (d: any) => (d.instances[0].sessions[2].pid = 7), 'instances.0.sessions.2'],
    ['an account uid that is not 16 digits', (d: any) => (d.alibaba.accounts[0].uid = '12345'), 'alibaba.accounts.0.uid'],
    ['a session id of 0', (d: any) => (d.instances[0].sessions[0].id = 0), 'instances.0.sessions.0.id'],
    ['an unknown task completion mode', (d: any) => (d.instances[0].taskCompletion = { mode: 'never' }), 'instances.0.taskCompletion.mode'],
    ['an unknown policy effect', (d: any) => (d.alibaba.accounts[0].identities[0].policies[0].Statement[0].Effect = 'Maybe'), 'alibaba.accounts.0.identities.0.policies.0.Statement.0.Effect'],
  ] as Array<[string, (d: any) => void, string]>)('rejects %s, naming its JSON path', (_what, mutate, path) => {
    const message = fixtureErrorOf(mutate);
    expect(message).toMatch(/^invalid fixtures: /);
    expect(message).toContain(`${path}: `);
  });

  it('names the unknown key itself', () => {
    expect(fixtureErrorOf((d) => (d.instances[0].colour = 'blue'))).toContain('colour');
    const topLevel = fixtureErrorOf((d) => (d.extra = true));
    expect(topLevel).toContain('(document)');
    expect(topLevel).toContain('extra');
  });

  it('says which id a duplicate collides with', () => {
    expect(fixtureErrorOf((d) => (d.instances[2].id = 'rm-emulator0001'))).toContain('instances.0.id');
  });

  it('names the origin it is given', () => {
    expect(fixtureErrorOf((d) => (d.instances[0].engine = 'Oracle'), 'my-fixtures.json')).toMatch(/^invalid my-fixtures\.json: instances\.0\.engine: /);
  });

  describe('loadFixtureFile', () => {
    const dir = mkdtempSync(join(tmpdir(), 'das-emulator-config-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('names the file and the JSON path of a bad field', () => {
      const doc = bundled();
      doc.instances[0].owner = '6543210987654321';
      const file = join(dir, 'bad.json');
      writeFileSync(file, JSON.stringify(doc));
      expect(() => loadFixtureFile(file)).toThrow(FixtureError);
      expect(() => loadFixtureFile(file)).toThrow(`invalid fixtures file ${file}: instances.0.owner: `);
    });

    it('refuses a missing file and a file that is not JSON', () => {
      const missing = join(dir, 'missing.json');
      expect(() => loadFixtureFile(missing)).toThrow(`cannot read fixtures file ${missing}`);
      const notJson = join(dir, 'not.json');
      writeFileSync(notJson, '{ "instances": [');
      expect(() => loadFixtureFile(notJson)).toThrow(`fixtures file ${notJson} is not JSON`);
    });
  });
});
