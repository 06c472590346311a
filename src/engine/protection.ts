import type { Session } from '../model.js';

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
