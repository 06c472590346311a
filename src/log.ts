/** A small leveled logger. Lines go to stderr so stdout carries only the ready line. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogFields = Record<string, unknown>;

export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export type LogSink = (line: string) => void;

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

function render(fields: LogFields | undefined): string {
  if (!fields) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    parts.push(`${key}=${typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value, bigintSafe)}`);
  }
  return parts.length ? ' ' + parts.join(' ') : '';
}

function bigintSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/** Text lines for people by default; with `json`, one JSON object per line for log pipelines. */
export function createLogger(level: LogLevel, sink: LogSink = (line) => process.stderr.write(line + '\n'), format: LogFormat = 'text'): Logger {
  const threshold = rank[level];
  const emit = (lvl: Exclude<LogLevel, 'silent'>, message: string, fields?: LogFields) => {
    if (rank[lvl] < threshold) return;
    const time = new Date().toISOString();
    sink(format === 'json' ? JSON.stringify({ time, level: lvl, msg: message, ...fields }, bigintSafe) : `${time} ${lvl.toUpperCase().padEnd(5)} ${message}${render(fields)}`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}
