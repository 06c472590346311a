import type { RedisClient } from '../model.js';

const MAX_CLIENT_ID = 2n ** 64n - 1n;

/** A whole-number field of a CLIENT LIST line; absent or unreadable is 0 (older servers omit some). */
const int = (value: string | undefined): number => {
  if (value === undefined || !/^-?\d+$/.test(value)) return 0;
  return Number(value);
};

/**
 * Reads `CLIENT LIST` output: one client per line, `key=value` pairs separated by spaces (client
 * names cannot hold spaces). A line without a valid id is dropped: its client could not be named
 * to `CLIENT KILL ID` anyway.
 */
export function parseClientList(text: string): RedisClient[] {
  const clients: RedisClient[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const fields = new Map<string, string>();
    for (const pair of line.trim().split(' ')) {
      const eq = pair.indexOf('=');
      if (eq > 0) fields.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    const id = fields.get('id');
    if (id === undefined || !/^\d{1,20}$/.test(id) || BigInt(id) > MAX_CLIENT_ID) continue;
    clients.push({
      id: BigInt(id),
      addr: fields.get('addr') ?? '',
      laddr: fields.get('laddr') ?? '',
      fd: int(fields.get('fd')),
      name: fields.get('name') ?? '',
      age: int(fields.get('age')),
      idle: int(fields.get('idle')),
      flags: fields.get('flags') ?? 'N',
      db: int(fields.get('db')),
      sub: int(fields.get('sub')),
      psub: int(fields.get('psub')),
      multi: fields.has('multi') ? int(fields.get('multi')) : -1,
      qbuf: int(fields.get('qbuf')),
      qbufFree: int(fields.get('qbuf-free')),
      obl: int(fields.get('obl')),
      oll: int(fields.get('oll')),
      omem: int(fields.get('omem')),
      events: fields.get('events') ?? '',
      cmd: fields.get('cmd') ?? '',
      user: fields.get('user') ?? 'default',
    });
  }
  return clients;
}

/**
 * The only text that ever follows `CLIENT KILL ID`: the digits of an id the server itself listed.
 * Refuses anything else, so no request text can become a Redis argument.
 */
export function clientIdArgument(id: bigint): string {
  const digits = id.toString();
  if (!/^[0-9]{1,20}$/.test(digits) || id > MAX_CLIENT_ID) throw new RangeError(`not a Redis client id: ${digits}`);
  return digits;
}
