import { describe, expect, it } from 'vitest';
import { protectionOf, type ProtectionRules } from '../../src/engine/protection.js';
import { DEFAULT_INTERNAL, session } from './harness.js';

const rules = (overrides: Partial<ProtectionRules> = {}): ProtectionRules => ({
  internalAccounts: new Set(DEFAULT_INTERNAL),
  ignoredUsers: new Set<string>(),
  ownConnectionIds: new Set<bigint>(),
  ...overrides,
});

describe('protectionOf', () => {
  it('leaves an ordinary session killable', () => {
    expect(protectionOf(session(1n, 'app', 'Query'), rules())).toBeNull();
    expect(protectionOf(session(1n, 'app', 'Sleep'), rules())).toBeNull();
  });

  it.each(DEFAULT_INTERNAL)('protects the internal account %s', (user) => {
    expect(protectionOf(session(1n, user), rules())).toBe('internal');
  });

  it('protects only the accounts of the configured internal list', () => {
    const custom = rules({ internalAccounts: new Set(['ops']) });
    expect(protectionOf(session(1n, 'ops'), custom)).toBe('internal');
    expect(protectionOf(session(2n, 'aliyun_root'), custom)).toBeNull();
  });

  it.each(['Binlog Dump', 'Binlog Dump GTID', 'Daemon'])('protects a %s thread of any user', (command) => {
    expect(protectionOf(session(1n, 'canal', command), rules())).toBe('internal');
  });

  it.each(['system user', 'event_scheduler', 'unauthenticated user'])('protects the pseudo-user %s whatever its command', (user) => {
    expect(protectionOf(session(1n, user, 'Connect'), rules())).toBe('internal');
    expect(protectionOf(session(2n, user, 'Query'), rules())).toBe('internal');
  });

  it('does not treat commands that merely resemble replication as protected', () => {
    expect(protectionOf(session(1n, 'app', 'Binlog dump'), rules())).toBeNull();
    expect(protectionOf(session(2n, 'app', 'Register Slave'), rules())).toBeNull();
  });

  it('matches IgnoredUsers exactly and case-sensitively', () => {
    const r = rules({ ignoredUsers: new Set(['etl']) });
    expect(protectionOf(session(1n, 'etl'), r)).toBe('ignored_user');
    expect(protectionOf(session(2n, 'ETL'), r)).toBeNull();
    expect(protectionOf(session(3n, 'etl '), r)).toBeNull();
    expect(protectionOf(session(4n, 'et'), r)).toBeNull();
  });

  it('matches internal accounts exactly', () => {
    expect(protectionOf(session(1n, 'ALIYUN_ROOT'), rules())).toBeNull();
    expect(protectionOf(session(2n, 'aliyun_root2'), rules())).toBeNull();
  });

  it("protects the killer's own connection by id, whoever its user is", () => {
    const r = rules({ ownConnectionIds: new Set([18446744073709551615n]) });
    expect(protectionOf(session(18446744073709551615n, 'app', 'Query'), r)).toBe('internal');
    expect(protectionOf(session(18446744073709551614n, 'app', 'Query'), r)).toBeNull();
  });

  it('internal protections win over IgnoredUsers', () => {
    const r = rules({ ignoredUsers: new Set(['aurora', 'canal', 'system user', 'app']), ownConnectionIds: new Set([9n]) });
    expect(protectionOf(session(1n, 'aurora'), r)).toBe('internal');
    expect(protectionOf(session(2n, 'canal', 'Binlog Dump GTID'), r)).toBe('internal');
    expect(protectionOf(session(3n, 'system user', 'Connect'), r)).toBe('internal');
    expect(protectionOf(session(9n, 'app'), r)).toBe('internal');
    expect(protectionOf(session(10n, 'app'), r)).toBe('ignored_user');
  });
});
