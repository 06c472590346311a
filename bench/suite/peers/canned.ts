/**
 * The answers every peer gives, copied from the emulator's own answers to the four measured calls so
 * the bodies on the wire are about the same size (the emulator computes them; the peers do not).
 */
const SESSION = (id: number, extra: object) => ({ Id: id, User: 'app', Host: `10.0.1.15:${52244 + id}`, Db: 'shop', Time: 42, State: '', Info: null, TaskId: 'task_31f1e7e4-1dcf-4854-96d1-6026c33cb5ce', Reason: 'SESSION_KILLED', ...extra });
const ENVELOPE = { RequestId: 'B2E3CF70-4FD4-4473-80E5-B58C74BF918A', Code: 200, Message: 'Successful', Success: true };
const TASK_ID = '17460d1b5f994acd3d78f7e1369ea9ad';
const PROCESS = (id: string, extra: object) => ({ id, user: 'app', host: '192.168.0.21:51044', database: 'orders', command: 'Sleep', time: '35', state: '', sql: '', trx_executed_time: '0', ...extra });

export const CANNED = {
  /** By the V3 x-acs-action header. */
  alibaba: {
    CreateKillInstanceSessionTask: { ...ENVELOPE, Data: TASK_ID },
    GetKillInstanceSessionTaskResult: {
      ...ENVELOPE,
      Data: {
        TaskId: TASK_ID,
        UserId: '1234567890123456',
        InstanceId: 'rm-emulator0001',
        TaskState: 'SUCCESS',
        KillSuccessCount: 2,
        KillFailCount: 0,
        IgnoredUserSessionCount: 0,
        Sessions: [101, 102],
        Result: [
          SESSION(101, { Command: 'Sleep', Active: false }),
          SESSION(102, { Command: 'Query', State: 'Sending data', Info: 'SELECT o.id, o.total FROM orders o JOIN order_items i ON i.order_id = o.id WHERE o.created_at > NOW() - INTERVAL 30 DAY', Active: true }),
        ],
      },
    },
  } as Record<string, object>,
  listProcesses: {
    processes: [
      PROCESS('1001', {}),
      PROCESS('1002', { command: 'Query', time: '4', state: 'Sending data', sql: "SELECT * FROM orders WHERE status = 'PENDING' ORDER BY created_at LIMIT 100" }),
      PROCESS('1003', { host: '192.168.0.22:40210', database: 'inventory', time: '180', trx_executed_time: '200' }),
    ],
    count: 3,
  },
  deleteProcess: {},
};
