import type { z } from 'zod';
import type { DbUserRegistry } from '../../../engine/db-user-registry.js';
import type { AutoKiller } from '../../../engine/auto-kill.js';
import type { KillEngine } from '../../../engine/kill-engine.js';
import type { RealServerUse } from '../../operation-info.js';
import type { HuaweiIdentities } from '../auth/identities.js';

export interface HuaweiOperationContext {
  readonly engine: KillEngine;
  readonly autoKill: AutoKiller;
  readonly registry: DbUserRegistry;
  readonly identities: HuaweiIdentities;
  /** The project of the path, already checked against the caller. */
  readonly projectId: string;
  /** Path parameters other than the project, decoded. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The body parsed as JSON; throws DAS.200100 when it is not JSON. */
  json(): unknown;
  readonly now: number;
  /** Tells the journal which kill tasks the request created (also when it then fails). */
  recordTasks(taskIds: readonly string[]): void;
  /** Tells the journal which other ids the answer hands out (a registered DB user's db_user_id). */
  recordIssued(ids: readonly string[]): void;
}

export interface HuaweiResult {
  readonly status?: number;
  readonly body: unknown;
}

/** Every operation has the same shape: its SDK name, route, IAM action and a handler. */
export interface HuaweiOperation {
  readonly name: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Route template as the SDK writes it, e.g. `/v3/{project_id}/instances/{instance_id}/process`. */
  readonly path: string;
  readonly iamAction: string;
  readonly realServer: RealServerUse;
  /**
   * The query parameters and JSON body fields the vendor defines for the operation (path
   * parameters are the route's). Strict mode warns about any other; the keys are what counts.
   */
  readonly contract: { readonly query?: z.ZodObject; readonly body?: z.ZodObject };
  handle(context: HuaweiOperationContext): Promise<HuaweiResult>;
}
