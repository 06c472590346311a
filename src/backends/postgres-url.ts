import type { DbCredentials } from '../model.js';

/** A real PostgreSQL server an instance is bound to: where it is, the database to connect to, and the account of the URL. */
export interface PostgresServer {
  readonly host: string;
  readonly port: number;
  /** The database every connection opens (pg_stat_activity lists the whole server from any of them). */
  readonly database: string;
  /** The account in the URL: the instance's maintenance account on that server, if given. */
  readonly account?: DbCredentials;
}

export class PostgresUrlError extends Error {
  override readonly name = 'PostgresUrlError';
}

/**
 * Parses `postgresql://[user[:password]@]host[:port][/database]` (or `postgres://`). No query or
 * fragment is accepted, so a binding can never smuggle connection options. Errors never echo the
 * URL: it may hold a password. The database defaults to `postgres`.
 */
export function parsePostgresUrl(text: string): PostgresServer {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new PostgresUrlError('expected postgresql://[user[:password]@]host[:port][/database]');
  }
  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') throw new PostgresUrlError(`expected the postgresql: scheme, got ${url.protocol}`);
  if (!url.hostname) throw new PostgresUrlError('the URL names no host');
  if (url.search || url.hash) throw new PostgresUrlError('a server URL has no query or fragment');
  const path = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (path.includes('/')) throw new PostgresUrlError('the URL path is one database name');
  if (!url.username && url.password) throw new PostgresUrlError('a password needs a user');
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port ? Number(url.port) : 5432;
  const database = path || 'postgres';
  const account = url.username ? { user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) } : undefined;
  return account ? { host, port, database, account } : { host, port, database };
}

/** The URL without its password, for logs and errors. */
export function describePostgresServer(server: PostgresServer): string {
  const host = server.host.includes(':') ? `[${server.host}]` : server.host;
  return `postgresql://${server.account ? `${server.account.user}@` : ''}${host}:${server.port}/${server.database}`;
}

/** The URL parsePostgresUrl reads back as this server, password included: only for copying a binding, never for output. */
export function formatPostgresUrl(server: PostgresServer): string {
  const host = server.host.includes(':') ? `[${server.host}]` : server.host;
  const account = server.account ? `${encodeURIComponent(server.account.user)}:${encodeURIComponent(server.account.password)}@` : '';
  return `postgresql://${account}${host}:${server.port}/${encodeURIComponent(server.database)}`;
}
