import type { DbCredentials } from '../model.js';

/** A real MySQL or MariaDB server an instance (or node) is bound to. */
export interface MysqlServer {
  readonly host: string;
  readonly port: number;
  /** The account in the URL: the instance's maintenance account on that server, if given. */
  readonly account?: DbCredentials;
}

export class MysqlUrlError extends Error {
  override readonly name = 'MysqlUrlError';
}

/**
 * Parses `mysql://[user[:password]@]host[:port]`. Nothing else is accepted (no path, query or
 * other scheme), so a binding can never smuggle connection options. Errors never echo the URL:
 * it may hold a password.
 */
export function parseMysqlUrl(text: string): MysqlServer {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new MysqlUrlError('expected mysql://[user[:password]@]host[:port]');
  }
  if (url.protocol !== 'mysql:') throw new MysqlUrlError(`expected the mysql: scheme, got ${url.protocol}`);
  if (!url.hostname) throw new MysqlUrlError('the URL names no host');
  if ((url.pathname !== '' && url.pathname !== '/') || url.search || url.hash) throw new MysqlUrlError('a server URL has no path, query or fragment');
  if (!url.username && url.password) throw new MysqlUrlError('a password needs a user');
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port ? Number(url.port) : 3306;
  const account = url.username ? { user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) } : undefined;
  return account ? { host, port, account } : { host, port };
}

/** The URL without its password, for logs and errors. */
export function describeServer(server: MysqlServer): string {
  const host = server.host.includes(':') ? `[${server.host}]` : server.host;
  return `mysql://${server.account ? `${server.account.user}@` : ''}${host}:${server.port}`;
}

/** The URL parseMysqlUrl reads back as this server, password included: only for copying a binding, never for output. */
export function formatMysqlUrl(server: MysqlServer): string {
  const host = server.host.includes(':') ? `[${server.host}]` : server.host;
  const account = server.account ? `${encodeURIComponent(server.account.user)}:${encodeURIComponent(server.account.password)}@` : '';
  return `mysql://${account}${host}:${server.port}`;
}
