/**
 * The four measured calls, each a factory of freshly signed requests (new date and nonce every
 * time), prepared and verified against the emulator before any load is applied.
 */
import { expectOk, send } from './http-client.js';
import { ALIBABA, alibabaV3Signer, huaweiPath, huaweiSigner, type SignedRequest } from './signers.js';

export interface Workload {
  readonly name: string;
  /** Reads must keep half the reference's rate; calls that create a task a third. */
  readonly targetRatio: number;
  readonly next: () => SignedRequest;
}

const READ_TARGET = 0.5;
const WRITE_TARGET = 0.33;

export async function prepareWorkloads(url: string): Promise<Workload[]> {
  const alibaba = alibabaV3Signer(url);
  const huawei = huaweiSigner(url);
  const account = { InstanceId: ALIBABA.instance, DbUser: ALIBABA.dbUser, DbUserPassword: ALIBABA.dbPassword };

  const created = expectOk(await send(url, alibaba('CreateKillInstanceSessionTask', { ...account, KillAllSessions: 'false', SessionIds: '[101,102]' })), 'CreateKillInstanceSessionTask');
  const taskId = created.Data;
  if (typeof taskId !== 'string') throw new Error(`CreateKillInstanceSessionTask returned no task id: ${JSON.stringify(created)}`);
  const registered = expectOk(
    await send(url, huawei('POST', huaweiPath('/db-users'), {}, { db_username: 'app', db_user_password: 'App#2026', datastore_type: 'MySQL' })),
    'RegisterDbUser',
  );
  const dbUserId = registered.db_user_id;
  if (typeof dbUserId !== 'string') throw new Error(`RegisterDbUser returned no db_user_id: ${JSON.stringify(registered)}`);

  const workloads: Workload[] = [
    {
      name: 'Alibaba V3 GetKillInstanceSessionTaskResult',
      targetRatio: READ_TARGET,
      next: () => alibaba('GetKillInstanceSessionTaskResult', { InstanceId: ALIBABA.instance, TaskId: taskId }),
    },
    {
      // After the first call 101 and 102 are gone: later tasks record them as expired, still one
      // task with two result rows written per call.
      name: 'Alibaba V3 CreateKillInstanceSessionTask (simulated)',
      targetRatio: WRITE_TARGET,
      next: () => alibaba('CreateKillInstanceSessionTask', { ...account, KillAllSessions: 'false', SessionIds: '[101,102]' }),
    },
    {
      name: 'Huawei AK/SK ListProcesses',
      targetRatio: READ_TARGET,
      next: () => huawei('GET', huaweiPath('/processes'), { db_user_id: dbUserId }),
    },
    {
      // Killing an id that is already gone is still a 200 and still records a task.
      name: 'Huawei AK/SK DeleteProcess',
      targetRatio: WRITE_TARGET,
      next: () => huawei('DELETE', huaweiPath('/process'), {}, { db_user_id: dbUserId, process_ids: ['1001'] }),
    },
  ];
  for (const workload of workloads) await verify(url, workload);
  await verifyEnforced(url, workloads);
  return workloads;
}

/** A few real calls must answer 200 with the call's own answer before the call is measured. */
async function verify(url: string, workload: Workload): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const body = expectOk(await send(url, workload.next()), workload.name);
    const looksRight = 'RequestId' in body ? body.Success === true : 'processes' in body ? Array.isArray(body.processes) : workload.name.endsWith('DeleteProcess');
    if (!looksRight) throw new Error(`${workload.name}: unexpected answer ${JSON.stringify(body).slice(0, 300)}`);
  }
}

/** Proves auth is on `enforce`: the same requests with their signature altered are refused. */
async function verifyEnforced(url: string, workloads: readonly Workload[]): Promise<void> {
  for (const workload of workloads) {
    const request = workload.next();
    const authorization = request.headers.Authorization;
    if (!authorization) throw new Error(`${workload.name}: the signer set no Authorization header`);
    const tampered = authorization.replace(/Signature=([0-9a-f])/, (_m, c: string) => `Signature=${c === '0' ? '1' : '0'}`);
    const answer = await send(url, { ...request, headers: { ...request.headers, Authorization: tampered } });
    if (answer.status < 400) throw new Error(`${workload.name}: a request with a wrong signature answered ${answer.status}; is auth enforced?`);
  }
}
