/**
 * The four measured calls, each a factory of freshly signed requests (new date and nonce every
 * time), prepared and verified against the emulator before any load is applied; the throughput
 * phase signs its pools with these factories.
 */
import { expectOk, send } from './http-client.js';
import { ALIBABA, alibabaV3Signer, huaweiPath, huaweiSigner, type SignedRequest } from './signers.js';

export interface Workload {
  readonly name: string;
  /** The throughput goal against WireMock differs for reads and writes. */
  readonly kind: 'read' | 'write';
  /** Alibaba V3 nonces: a server that remembers them refuses a repeated request. */
  readonly singleUse: boolean;
  readonly next: () => SignedRequest;
  /** Whether an answer of the emulator is this call's own answer. */
  readonly looksRight: (body: Record<string, unknown>) => boolean;
}

const alibabaOk = (body: Record<string, unknown>): boolean => body.Success === true;

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
      kind: 'read',
      singleUse: true,
      next: () => alibaba('GetKillInstanceSessionTaskResult', { InstanceId: ALIBABA.instance, TaskId: taskId }),
      looksRight: alibabaOk,
    },
    {
      // After the first call 101 and 102 are gone: later tasks record them as expired, still one
      // task with two result rows written per call.
      name: 'Alibaba V3 CreateKillInstanceSessionTask (simulated)',
      kind: 'write',
      singleUse: true,
      next: () => alibaba('CreateKillInstanceSessionTask', { ...account, KillAllSessions: 'false', SessionIds: '[101,102]' }),
      looksRight: alibabaOk,
    },
    {
      name: 'Huawei AK/SK ListProcesses',
      kind: 'read',
      singleUse: false,
      next: () => huawei('GET', huaweiPath('/processes'), { db_user_id: dbUserId }),
      looksRight: (body) => Array.isArray(body.processes),
    },
    {
      // Killing an id that is already gone is still a 200 and still records a task.
      name: 'Huawei AK/SK DeleteProcess',
      kind: 'write',
      singleUse: false,
      next: () => huawei('DELETE', huaweiPath('/process'), {}, { db_user_id: dbUserId, process_ids: ['1001'] }),
      looksRight: () => true,
    },
  ];
  for (const workload of workloads) await verify(url, workload);
  return workloads;
}

/** A few real calls must answer 200 with the call's own answer before the call is measured. */
async function verify(url: string, workload: Workload): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const body = expectOk(await send(url, workload.next()), workload.name);
    if (!workload.looksRight(body)) throw new Error(`${workload.name}: unexpected answer ${JSON.stringify(body).slice(0, 300)}`);
  }
}

/**
 * Before a server is loaded with a workload: a freshly signed call answers 200 (with the call's own
 * answer from the emulator), and where the server checks signatures the same call with its
 * signature altered is refused, which proves the check is on.
 */
export async function verifyTarget(url: string, workload: Workload, checks: { readonly emulator: boolean; readonly signatures: boolean }): Promise<void> {
  const body = expectOk(await send(url, workload.next()), `${workload.name} on ${url}`);
  if (checks.emulator && !workload.looksRight(body)) throw new Error(`${workload.name} on ${url}: unexpected answer ${JSON.stringify(body).slice(0, 300)}`);
  if (!checks.signatures) return;
  const request = workload.next();
  const authorization = request.headers.Authorization;
  if (!authorization) throw new Error(`${workload.name}: the signer set no Authorization header`);
  const tampered = authorization.replace(/Signature=([0-9a-f])/, (_m, c: string) => `Signature=${c === '0' ? '1' : '0'}`);
  const answer = await send(url, { ...request, headers: { ...request.headers, Authorization: tampered } });
  if (answer.status < 400) throw new Error(`${workload.name} on ${url}: a request with a wrong signature answered ${answer.status}; is the signature checked?`);
}
