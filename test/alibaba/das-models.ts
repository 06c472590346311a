import * as $tea from '@alicloud/tea-typescript';
import * as $dara from '@darabonba/typescript';

/**
 * The response models of the generated DAS TypeScript SDK (`@alicloud/das20200116`), written from
 * the spec's model tables: field, wire name and type. The SDK turns every body into its model with
 * `$tea.cast`, which throws on a type it cannot convert; casting here proves the emulator's
 * answers are ones the SDK accepts.
 */
type FieldType = string | { type: 'array'; itemType: unknown } | (new (map?: Record<string, unknown>) => $tea.Model);

function model(fields: Record<string, [wire: string, type: FieldType]>) {
  return class extends $tea.Model {
    static names() {
      return Object.fromEntries(Object.entries(fields).map(([k, [wire]]) => [k, wire]));
    }
    static types() {
      return Object.fromEntries(Object.entries(fields).map(([k, [, type]]) => [k, type]));
    }
    constructor(map?: Record<string, unknown>) {
      super(map);
    }
  };
}

const envelope = (data: FieldType) => ({
  code: ['Code', 'number'] as [string, FieldType],
  data: ['Data', data] as [string, FieldType],
  message: ['Message', 'string'] as [string, FieldType],
  requestId: ['RequestId', 'string'] as [string, FieldType],
  success: ['Success', 'boolean'] as [string, FieldType],
});

export const CreateKillInstanceSessionTaskResponseBody = model(envelope('string'));

const ResultItem = model({
  active: ['Active', 'boolean'],
  command: ['Command', 'string'],
  db: ['Db', 'string'],
  host: ['Host', 'string'],
  id: ['Id', 'number'],
  info: ['Info', 'string'],
  reason: ['Reason', 'string'],
  state: ['State', 'string'],
  taskId: ['TaskId', 'string'],
  time: ['Time', 'number'],
  user: ['User', 'string'],
});

const TaskResultData = model({
  ignoredUserSessionCount: ['IgnoredUserSessionCount', 'number'],
  instanceId: ['InstanceId', 'string'],
  killFailCount: ['KillFailCount', 'number'],
  killSuccessCount: ['KillSuccessCount', 'number'],
  nodeId: ['NodeId', 'string'],
  result: ['Result', { type: 'array', itemType: ResultItem }],
  sessions: ['Sessions', { type: 'array', itemType: 'number' }],
  taskId: ['TaskId', 'string'],
  taskState: ['TaskState', 'string'],
  userId: ['UserId', 'string'],
});

export const GetKillInstanceSessionTaskResultResponseBody = model(envelope(TaskResultData));

const Stat = model({
  activeCount: ['ActiveCount', 'number'],
  key: ['Key', 'string'],
  threadIdList: ['ThreadIdList', { type: 'array', itemType: 'number' }],
  totalCount: ['TotalCount', 'number'],
  userList: ['UserList', { type: 'array', itemType: 'string' }],
});

const SessionListItem = model({
  client: ['Client', 'string'],
  command: ['Command', 'string'],
  dbName: ['DbName', 'string'],
  sessionId: ['SessionId', 'number'],
  sqlTemplateId: ['SqlTemplateId', 'string'],
  sqlText: ['SqlText', 'string'],
  state: ['State', 'string'],
  time: ['Time', 'number'],
  trxDuration: ['TrxDuration', 'number'],
  trxId: ['TrxId', 'string'],
  user: ['User', 'string'],
  userClientAlias: ['UserClientAlias', 'string'],
});

const SessionData = model({
  activeSessionCount: ['ActiveSessionCount', 'number'],
  clientStats: ['ClientStats', { type: 'array', itemType: Stat }],
  dbStats: ['DbStats', { type: 'array', itemType: Stat }],
  maxActiveTime: ['MaxActiveTime', 'number'],
  sessionList: ['SessionList', { type: 'array', itemType: SessionListItem }],
  timeStamp: ['TimeStamp', 'number'],
  totalSessionCount: ['TotalSessionCount', 'number'],
  userStats: ['UserStats', { type: 'array', itemType: Stat }],
});

const AsyncListingData = model({
  complete: ['Complete', 'boolean'],
  fail: ['Fail', 'boolean'],
  isFinish: ['IsFinish', 'boolean'],
  resultId: ['ResultId', 'string'],
  sessionData: ['SessionData', SessionData],
  state: ['State', 'string'],
  timestamp: ['Timestamp', 'number'],
});

export const GetMySQLAllSessionAsyncResponseBody = model(envelope(AsyncListingData));

const RedisSession = model({
  addr: ['Addr', 'string'],
  age: ['Age', 'string'],
  client: ['Client', 'string'],
  clientDesc: ['ClientDesc', 'string'],
  cmd: ['Cmd', 'string'],
  db: ['Db', 'number'],
  events: ['Events', 'string'],
  fd: ['Fd', 'number'],
  flags: ['Flags', 'string'],
  id: ['Id', 'number'],
  idle: ['Idle', 'number'],
  multi: ['Multi', 'number'],
  name: ['Name', 'string'],
  nodeId: ['NodeId', 'string'],
  obl: ['Obl', 'number'],
  oll: ['Oll', 'number'],
  omem: ['Omem', 'number'],
  psub: ['Psub', 'number'],
  qbuf: ['Qbuf', 'number'],
  qbufFree: ['QbufFree', 'number'],
  sub: ['Sub', 'number'],
});

const SourceStat = model({
  count: ['Count', 'string'],
  ids: ['Ids', { type: 'array', itemType: 'number' }],
  key: ['Key', 'string'],
});

const RedisSessionData = model({
  sessions: ['Sessions', { type: 'array', itemType: RedisSession }],
  sourceStats: ['SourceStats', { type: 'array', itemType: SourceStat }],
  timestamp: ['Timestamp', 'number'],
  total: ['Total', 'number'],
});

export const GetRedisAllSessionResponseBody = model(envelope(RedisSessionData));

/** KillInstanceAllSession's model has `Code` and `Success` as strings, and `Data` a reserved string. */
export const KillInstanceAllSessionResponseBody = model({
  code: ['Code', 'string'],
  data: ['Data', 'string'],
  message: ['Message', 'string'],
  requestId: ['RequestId', 'string'],
  success: ['Success', 'string'],
});

/**
 * Casts a body the way the generated SDK does: 2.x (openapi-client) with `$tea.cast`, 3.x
 * (openapi-core) with `$dara.cast`, which reads the same names() and types(). Throws
 * "type of X is mismatch" when the SDK would.
 */
export function castLikeSdk<T extends $tea.Model>(body: unknown, Model: new (map?: Record<string, unknown>) => T, runtime: 'openapi-client' | 'openapi-core'): T {
  return runtime === 'openapi-core' ? $dara.cast(body, new Model({})) : $tea.cast(body, new Model({}));
}
