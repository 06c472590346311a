import { z } from 'zod';
import { isActive, type Session } from '../../../model.js';
import { EngineError } from '../../../engine/errors.js';
import { optionalParam, requiredParam } from '../params.js';
import { defineOperation } from './operation.js';

/** Async listing ids look like the cloud's: `async__` and 32 hex digits. */
const RESULT_ID_PREFIX = 'async__';

/** The client address without its port. */
const clientOf = (host: string) => host.replace(/:\d+$/, '');

function statsBy(sessions: readonly Session[], keyOf: (s: Session) => string) {
  const groups = new Map<string, Session[]>();
  for (const s of sessions) {
    const key = keyOf(s);
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  return [...groups].map(([key, members]) => ({
    Key: key,
    ActiveCount: members.filter(isActive).length,
    TotalCount: members.length,
    ThreadIdList: members.map((s) => s.id),
    UserList: [...new Set(members.map((s) => s.user))],
  }));
}

export function renderSessionData(sessions: readonly Session[], capturedAt: number) {
  const active = sessions.filter(isActive);
  return {
    ActiveSessionCount: active.length,
    TotalSessionCount: sessions.length,
    MaxActiveTime: active.reduce((max, s) => Math.max(max, s.time), 0),
    TimeStamp: capturedAt,
    SessionList: sessions.map((s) => ({
      SessionId: s.id,
      User: s.user,
      Client: clientOf(s.host),
      DbName: s.db,
      Command: s.command,
      State: s.state,
      Time: s.time,
      SqlText: s.info,
      TrxId: s.trxId,
      TrxDuration: s.trxSeconds,
      UserClientAlias: `${s.user}@${clientOf(s.host)}`,
    })),
    UserStats: statsBy(sessions, (s) => s.user),
    DbStats: statsBy(sessions, (s) => s.db ?? ''),
    ClientStats: statsBy(sessions, (s) => clientOf(s.host)),
  };
}

/** First call: a ResultId, not finished. Polling with it: the captured processlist. */
export const getMySQLAllSessionAsync = defineOperation({
  action: 'GetMySQLAllSessionAsync',
  realServer: 'lists sessions',
  params: z.object({
    InstanceId: requiredParam('InstanceId'),
    NodeId: optionalParam(z.string()),
    ResultId: optionalParam(z.string()),
  }),
  async handle(params, { engine, owner, now, recordIssued }) {
    const instance = engine.mysqlInstanceFor('alibaba', owner, params.InstanceId);
    const node = engine.node(instance, params.NodeId);
    if (!params.ResultId) {
      const listing = await engine.startSessionListing(instance, node);
      recordIssued([RESULT_ID_PREFIX + listing.id]);
      return { ResultId: RESULT_ID_PREFIX + listing.id, IsFinish: false, Complete: false, Fail: false, State: 'RUNNING', Timestamp: now };
    }
    const id = params.ResultId.startsWith(RESULT_ID_PREFIX) ? params.ResultId.slice(RESULT_ID_PREFIX.length) : '';
    const listing = engine.readSessionListing(id, owner);
    if (listing.instanceId !== node.instanceId || listing.nodeId !== node.nodeId) {
      throw new EngineError('listing_not_found', `ResultId ${params.ResultId} lists another instance or node`);
    }
    // The server could not be listed (unreachable, or the service account refused): a finished, failed listing.
    if (listing.failure !== null) return { ResultId: params.ResultId, IsFinish: true, Complete: false, Fail: true, State: 'FAIL', Timestamp: now };
    return { ResultId: params.ResultId, IsFinish: true, Complete: true, Fail: false, State: 'SUCCESS', Timestamp: now, SessionData: renderSessionData(listing.sessions, listing.createdAt) };
  },
});
