/** A real Redis server an instance is bound to. */
export interface RedisServer {
  readonly host: string;
  readonly port: number;
  /** The URL's account (ACL user and password; a password alone is the `default` user's), if given. */
  readonly username?: string;
  readonly password?: string;
}

export class RedisUrlError extends Error {
  override readonly name = 'RedisUrlError';
}

/**
 * Parses `redis://[[user]:password@]host[:port]`. Nothing else is accepted (no database path, query,
 * TLS scheme or socket), so a binding can never smuggle connection options. Errors never echo the
 * URL: it may hold a password.
 */
export function parseRedisUrl(text: string): RedisServer {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RedisUrlError('expected redis://[[user]:password@]host[:port]');
  }
  if (url.protocol !== 'redis:') throw new RedisUrlError(`expected the redis: scheme, got ${url.protocol}`);
  if (!url.hostname) throw new RedisUrlError('the URL names no host');
  if ((url.pathname !== '' && url.pathname !== '/') || url.search || url.hash) throw new RedisUrlError('a Redis server URL has no database path, query or fragment');
  if (url.username && !url.password) throw new RedisUrlError('an ACL user needs a password');
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port ? Number(url.port) : 6379;
  return {
    host,
    port,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
  };
}

/** The URL without its password, for logs and errors. */
export function describeRedisServer(server: RedisServer): string {
  const host = server.host.includes(':') ? `[${server.host}]` : server.host;
  return `redis://${server.username ? `${server.username}@` : ''}${host}:${server.port}`;
}

/** The URL parseRedisUrl reads back as this server, password included: only for copying a binding, never for output. */
export function formatRedisUrl(server: RedisServer): string {
  const host = server.host.includes(':') ? `[${server.host}]` : server.host;
  const account = server.password !== undefined ? `${encodeURIComponent(server.username ?? '')}:${encodeURIComponent(server.password)}@` : '';
  return `redis://${account}${host}:${server.port}`;
}
