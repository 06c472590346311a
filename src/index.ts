import { resolveConfig, type EmulatorOptions } from './config.js';
import type { InstanceSummary } from './admin/control-plane.js';
import { startEmulatorServer, type RunningEmulator } from './emulator.js';
import type { NewInstanceInput } from './fixtures/new-instance.js';

import type { JournalEntry } from './journal.js';
import type { RequestFilter, VerifyInput } from './verify/schema.js';
import type { VerifyResult } from './verify/verify.js';

export type { EmulatorOptions, EmulatorConfig } from './config.js';
export type { InstanceSummary } from './admin/control-plane.js';
export type { NewInstanceInput } from './fixtures/new-instance.js';
export { FixtureError } from './fixtures/load.js';
export type { ContractWarning, JournalEntry } from './journal.js';
export type { RequestFilter, VerifyInput } from './verify/schema.js';
export type { Difference, NearMiss, VerifyResult } from './verify/verify.js';
export { VerifyInputError } from './verify/verify.js';
export { expectRequest, type Verifiable } from './verify/expect-request.js';

/** A running emulator with what a test needs to point the vendors' clients at it (credentials are the bundled fixtures' well-known ones). */
export interface Emulator extends AsyncDisposable {
  readonly url: string;
  readonly port: number;
  /** For `@alicloud/openapi-client` (`endpoint` is host:port, `protocol: 'http'`) and `@alicloud/pop-core` (`popCoreEndpoint`). */
  readonly alibaba: { readonly endpoint: string; readonly popCoreEndpoint: string; readonly accessKeyId: string; readonly accessKeySecret: string };
  /** For `@huaweicloud/huaweicloud-sdk-core` (`withEndpoint`). */
  readonly huawei: { readonly endpoint: string; readonly projectId: string; readonly ak: string; readonly sk: string };
  /**
   * Everything back to the loaded fixtures (sessions, tasks, DB users, issued tokens, faults,
   * journal); fast enough for every test. With an instance id, only that instance: what test
   * files running in parallel on one emulator should use.
   */
  reset(instanceId?: string): void;
  /**
   * An instance of its own for one test, so parallel test files never see each other's kills:
   * `createInstance({ from: 'rm-emulator0001' })` copies a loaded instance (sessions, DB accounts)
   * under a made-up id. Throws FixtureError naming a bad field.
   */
  createInstance(input: NewInstanceInput): InstanceSummary;
  /** Removes an instance made by createInstance, with everything stored for it. */
  deleteInstance(instanceId: string): void;
  /**
   * Checks what the code under test asked: `{provider, operation, params?, status?, count?, noWarnings?}`,
   * as `POST /_emulator/verify` takes it. A failed check is `ok: false` with a `message` naming the
   * nearest misses; `expectRequest(emulator, ...)` throws that as an AssertionError.
   */
  verify(expectation: VerifyInput): VerifyResult;
  /** The journal's entries that pass the filter, oldest first; `params` are matched as `verify` matches them. */
  requests(filter?: RequestFilter): JournalEntry[];
  stop(): Promise<void>;
}

/**
 * Starts an emulator in this process. Defaults for tests: a free port, an in-memory store, the
 * bundled fixtures, and only warnings on stderr: each refused request is one line saying why,
 * since the clients show only the cloud's generic message. Options are the CLI's, validated by the
 * same schema (`logLevel: 'silent'` for no output).
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const running: RunningEmulator = await startEmulatorServer(resolveConfig({ port: 0, data: ':memory:', logLevel: 'warn', ...options }));
  const host = new URL(running.url).host;
  return {
    url: running.url,
    port: running.port,
    alibaba: { endpoint: host, popCoreEndpoint: running.url, accessKeyId: 'testAccessKeyId', accessKeySecret: 'testAccessKeySecret' },
    huawei: { endpoint: running.url, projectId: '0a1b2c3d4e5f60718293a4b5c6d7e8f9', ak: 'EMULATORTESTAK000001', sk: 'emulatorTestSecretKey0001' },
    reset: running.reset,
    createInstance: running.createInstance,
    deleteInstance: running.deleteInstance,
    verify: running.verify,
    requests: running.requests,
    stop: running.stop,
    [Symbol.asyncDispose]: running.stop,
  };
}
