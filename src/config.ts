import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { z } from 'zod';
import { mysqlServerSchema, postgresServerSchema, redisServerSchema } from './fixtures/schema.js';
import { LOG_FORMATS, LOG_LEVELS } from './log.js';
import { PACKAGE_ROOT } from './package.js';

/** Where the bundled default fixtures live, whatever the working directory. */
export const DEFAULT_FIXTURES = join(PACKAGE_ROOT, 'fixtures', 'default.json');

export const AUTH_MODES = ['enforce', 'log', 'off'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

/** The one configuration schema: CLI flags, env vars and programmatic options all resolve into it. */
export const configSchema = z
  .object({
    port: z.coerce.number().int().min(0).max(65535).default(9327),
    host: z.string().min(1).default('127.0.0.1'),
    data: z.string().min(1).default('./.das-emulator/emulator.db'),
    fixtures: z.string().min(1).default(DEFAULT_FIXTURES),
    auth: z.enum(AUTH_MODES).default('enforce'),
    logLevel: z.enum(LOG_LEVELS).default('info'),
    logFormat: z.enum(LOG_FORMATS).default('text'),
    /** When set, every /_emulator route wants `Authorization: Bearer <token>`. */
    adminToken: z.string().min(1).optional(),
    /** How many requests the journal keeps (the oldest go first). */
    journalSize: z.coerce.number().int().min(0).max(1_000_000).default(1000),
    /** Keep at most this many finished tasks (the oldest go first). */
    retainTasks: z.coerce.number().int().min(1).optional(),
    /** Forget finished tasks older than this many milliseconds. */
    retainTaskMs: z.coerce.number().int().min(1).optional(),
    /** How long a client may take to send its request headers. */
    headersTimeoutMs: z.coerce.number().int().min(1).max(600_000).default(10_000),
    /** How long a client may take to send a whole request, body included. */
    requestTimeoutMs: z.coerce.number().int().min(1).max(3_600_000).default(30_000),
    /**
     * Open client connections at most. Below the usual descriptor limit (1024), so that clients
     * holding connections cannot starve the data file or a real server's connections of descriptors.
     */
    maxConnections: z.coerce.number().int().min(2).max(100_000).default(800),
    /** Makes request, task, listing and DB-user ids (and fault dice) repeat from run to run. */
    seed: z.string().min(1).optional(),
    /** Key for DB-user passwords at rest: 64 hex digits or base64 of 32 bytes; default: a key file beside the data file. */
    secretKey: z.string().min(1).optional(),
    /** Binds every MySQL instance of the fixtures that names no server of its own to this one. */
    mysqlUrl: mysqlServerSchema.optional(),
    /** Binds every PostgreSQL instance of the fixtures that names no server of its own to this one. */
    postgresUrl: postgresServerSchema.optional(),
    /** How long a kill on a real server may wait for its sessions to leave the processlist. */
    killTimeoutMs: z.coerce.number().int().min(1).max(3_600_000).default(30_000),
    /** How long connecting to a real server may take before it counts as unreachable. */
    mysqlConnectTimeoutMs: z.coerce.number().int().min(1).max(600_000).default(5_000),
    /** Binds every Redis instance of the fixtures that names no server of its own to this one. */
    redisUrl: redisServerSchema.optional(),
    /**
     * Records contract warnings: parameters the vendor does not define for the operation, or sent
     * twice. The answers do not change (the clouds ignore what they do not define).
     */
    strict: z
      .union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')], { error: 'expected true, false, 1 or 0' })
      .default(false),
  })
  .strict();

export type EmulatorConfig = z.output<typeof configSchema>;
export type EmulatorOptions = z.input<typeof configSchema>;

/** Each option, its CLI flag and its env twin. */
const OPTIONS = {
  port: { flag: 'port', env: 'DAS_EMULATOR_PORT' },
  host: { flag: 'host', env: 'DAS_EMULATOR_HOST' },
  data: { flag: 'data', env: 'DAS_EMULATOR_DATA' },
  fixtures: { flag: 'fixtures', env: 'DAS_EMULATOR_FIXTURES' },
  auth: { flag: 'auth', env: 'DAS_EMULATOR_AUTH' },
  logLevel: { flag: 'log-level', env: 'DAS_EMULATOR_LOG_LEVEL' },
  logFormat: { flag: 'log-format', env: 'DAS_EMULATOR_LOG_FORMAT' },
  adminToken: { flag: 'admin-token', env: 'DAS_EMULATOR_ADMIN_TOKEN' },
  journalSize: { flag: 'journal-size', env: 'DAS_EMULATOR_JOURNAL_SIZE' },
  seed: { flag: 'seed', env: 'DAS_EMULATOR_SEED' },
  retainTasks: { flag: 'retain-tasks', env: 'DAS_EMULATOR_RETAIN_TASKS' },
  retainTaskMs: { flag: 'retain-task-ms', env: 'DAS_EMULATOR_RETAIN_TASK_MS' },
  headersTimeoutMs: { flag: 'headers-timeout-ms', env: 'DAS_EMULATOR_HEADERS_TIMEOUT_MS' },
  requestTimeoutMs: { flag: 'request-timeout-ms', env: 'DAS_EMULATOR_REQUEST_TIMEOUT_MS' },
  maxConnections: { flag: 'max-connections', env: 'DAS_EMULATOR_MAX_CONNECTIONS' },
  // A secret on the command line would show in `ps`: environment only.
  secretKey: { flag: undefined, env: 'DAS_EMULATOR_SECRET_KEY' },
  mysqlUrl: { flag: 'mysql-url', env: 'DAS_EMULATOR_MYSQL_URL' },
  postgresUrl: { flag: 'postgres-url', env: 'DAS_EMULATOR_POSTGRES_URL' },
  killTimeoutMs: { flag: 'kill-timeout-ms', env: 'DAS_EMULATOR_KILL_TIMEOUT_MS' },
  mysqlConnectTimeoutMs: { flag: 'mysql-connect-timeout-ms', env: 'DAS_EMULATOR_MYSQL_CONNECT_TIMEOUT_MS' },
  redisUrl: { flag: 'redis-url', env: 'DAS_EMULATOR_REDIS_URL' },
  // A switch: `--strict` alone turns it on; the env twin takes true/false/1/0.
  strict: { flag: 'strict', env: 'DAS_EMULATOR_STRICT', switch: true },
} as const satisfies Record<keyof EmulatorConfig, { flag: string | undefined; env: string; switch?: boolean }>;

export class ConfigError extends Error {
  override readonly name: string = 'ConfigError';
}

/**
 * The configuration is well-formed but the machine refuses it (a port in use, a data path that is a
 * folder ...). Its message is one line naming the option; the CLI prints it without the --help hint.
 */
export class StartupError extends ConfigError {
  override readonly name = 'StartupError';
}

/** How messages name an option: its flag and env twin, e.g. `--port / DAS_EMULATOR_PORT`. */
export function optionLabel(key: keyof EmulatorConfig): string {
  const { flag, env } = OPTIONS[key];
  return flag ? `--${flag} / ${env}` : env;
}

export const USAGE = `Usage: das-emulator [options]

  --port <n>          port to listen on; 0 picks a free port   (DAS_EMULATOR_PORT, default 9327)
  --host <addr>       address to bind                          (DAS_EMULATOR_HOST, default 127.0.0.1)
  --data <file>       SQLite data file, or :memory:            (DAS_EMULATOR_DATA, default ./.das-emulator/emulator.db)
                      one emulator per file: <file>.lock names the one running on it
  --fixtures <file>   fixture document                         (DAS_EMULATOR_FIXTURES, default fixtures/default.json)
  --auth <mode>       enforce | log | off                      (DAS_EMULATOR_AUTH, default enforce)
  --log-level <lvl>   debug | info | warn | error | silent     (DAS_EMULATOR_LOG_LEVEL, default info)
  --log-format <fmt>  text | json                              (DAS_EMULATOR_LOG_FORMAT, default text)
  --admin-token <t>   require "Authorization: Bearer <t>" on every /_emulator/* route
                                                               (DAS_EMULATOR_ADMIN_TOKEN)
  --journal-size <n>  requests the journal keeps               (DAS_EMULATOR_JOURNAL_SIZE, default 1000)
  --strict            record contract warnings: parameters the vendor does not define
                      for the operation, or sent twice (answers do not change)
                                                               (DAS_EMULATOR_STRICT, default off)
  --seed <text>       repeatable ids for snapshot tests        (DAS_EMULATOR_SEED)
  --retain-tasks <n>  keep at most n finished tasks            (DAS_EMULATOR_RETAIN_TASKS, default all)
  --retain-task-ms <n> forget finished tasks older than n ms   (DAS_EMULATOR_RETAIN_TASK_MS, default never)
  --headers-timeout-ms <n>  time a client has to send its headers
                                                  (DAS_EMULATOR_HEADERS_TIMEOUT_MS, default 10000)
  --request-timeout-ms <n>  time a client has to send a whole request
                                                  (DAS_EMULATOR_REQUEST_TIMEOUT_MS, default 30000)
  --max-connections <n>  open client connections at most; past it the oldest one that
                      has sent nothing yet is closed       (DAS_EMULATOR_MAX_CONNECTIONS, default 800)
  --mysql-url <url>   bind every MySQL instance without a server of its own to a real
                      server, mysql://user[:password]@host[:port]; the URL's account is
                      the instances' maintenance account        (DAS_EMULATOR_MYSQL_URL)
  --postgres-url <url>  bind every PostgreSQL instance without a server of its own to a
                      real server, postgresql://user[:password]@host[:port][/db]; the URL's
                      account is the instances' maintenance account (DAS_EMULATOR_POSTGRES_URL)
  --kill-timeout-ms <n>          how long a kill on a real server waits for its sessions
                                 to go                (DAS_EMULATOR_KILL_TIMEOUT_MS, default 30000)
  --mysql-connect-timeout-ms <n> connect timeout to a real server
                                 (DAS_EMULATOR_MYSQL_CONNECT_TIMEOUT_MS, default 5000)
  --redis-url <url>   bind every Redis instance without a server of its own to a real
                      server, redis://[[user]:password@]host[:port]  (DAS_EMULATOR_REDIS_URL)
                      DB-user passwords are sealed with DAS_EMULATOR_SECRET_KEY (64 hex digits),
                      or with a key kept in <data file>.key
  --version, -v       print the version
  --help, -h          print this text
`;

/** Validates options from any source; the error names every bad field and where it came from. */
export function resolveConfig(options: Record<string, unknown>, origin: (key: string) => string = (k) => k): EmulatorConfig {
  const parsed = configSchema.safeParse(options);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const key = issue.path.length ? String(issue.path[0]) : issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : '?';
    return `${origin(key)}: ${issue.message}`;
  });
  throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
}

/** Reads flags first, then their env twins. */
export function configFromCli(argv: readonly string[], env: NodeJS.ProcessEnv): EmulatorConfig | 'help' | 'version' {
  let values: Record<string, string | boolean | undefined>;
  try {
    const options = Object.fromEntries(Object.values(OPTIONS).flatMap((option) => (option.flag ? [[option.flag, { type: 'switch' in option ? ('boolean' as const) : ('string' as const) }]] : [])));
    ({ values } = parseArgs({ args: [...argv], options: { ...options, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } }, strict: true }));
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  if (values.help) return 'help';
  if (values.version) return 'version';
  const raw: Record<string, unknown> = {};
  const sources: Record<string, string> = {};
  for (const [key, { flag, env: envName }] of Object.entries(OPTIONS)) {
    const fromFlag = flag ? values[flag] : undefined;
    if (typeof fromFlag === 'string' || fromFlag === true) {
      raw[key] = fromFlag;
      sources[key] = `--${flag}`;
    } else if (env[envName] !== undefined && env[envName] !== '') {
      raw[key] = env[envName];
      sources[key] = envName;
    }
  }
  // Empty strings must fail as themselves, not be coerced to 0 by z.coerce.
  if (raw.port !== undefined && !/^\d+$/.test(String(raw.port))) {
    throw new ConfigError(`invalid configuration: ${sources.port}: expected an integer port in 0..65535, got ${JSON.stringify(raw.port)}`);
  }
  return resolveConfig(raw, (key) => sources[key] ?? key);
}
