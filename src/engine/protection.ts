import type { RedisClient, Session } from '../model.js';

/** Users MySQL shows for threads no client owns: replication, delayed inserts, the event scheduler, handshakes. */
const PSEUDO_USERS = new Set(['system user', 'event_scheduler', 'unauthenticated user']);
/** Replication senders: killing one only makes the replica reconnect. */
const REPLICATION_COMMANDS = new Set(['Binlog Dump', 'Binlog Dump GTID', 'Daemon']);

/** Membership by account name; each cloud decides how names compare. */
export interface AccountSet {
  has(user: string): boolean;
}

export interface ProtectionRules {
  /** The cloud's own O&M accounts. */
  readonly internalAccounts: AccountSet;
  /** Accounts the caller asked to spare (exact, case-sensitive match, as MySQL compares user names). */
  readonly ignoredUsers: ReadonlySet<string>;
  /** Connections the kill itself uses. */
  readonly ownConnectionIds: ReadonlySet<bigint>;
}

/**
 * Why a session must not be killed, or null when it may be. Protection wins over every other
 * reason; internal protections win over the caller's IgnoredUsers.
 */
export function protectionOf(session: Session, rules: ProtectionRules): 'internal' | 'ignored_user' | null {
  if (rules.ownConnectionIds.has(session.id)) return 'internal';
  if (PSEUDO_USERS.has(session.user) || REPLICATION_COMMANDS.has(session.command)) return 'internal';
  if (rules.internalAccounts.has(session.user)) return 'internal';
  if (rules.ignoredUsers.has(session.user)) return 'ignored_user';
  return null;
}

/**
 * Redis replication links: `S` is a replica's connection to this server, `M` this server's link to
 * its master. Killing one only makes the replica reconnect and resynchronise, as Binlog Dump does for MySQL.
 */
const REPLICATION_FLAGS = /[SM]/;

/**
 * Why a Redis client must not be killed, or null when it may be: the kill's own connection,
 * a replication link, or a client logged in as one of the cloud's internal accounts (ACL user).
 */
export function redisProtectionOf(client: RedisClient, rules: Pick<ProtectionRules, 'internalAccounts' | 'ownConnectionIds'>): 'internal' | null {
  if (rules.ownConnectionIds.has(client.id)) return 'internal';
  if (REPLICATION_FLAGS.test(client.flags)) return 'internal';
  if (rules.internalAccounts.has(client.user)) return 'internal';
  return null;
}
