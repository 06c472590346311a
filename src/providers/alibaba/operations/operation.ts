import type { z } from 'zod';
import type { KillEngine } from '../../../engine/kill-engine.js';
import type { RedisSessions } from '../../../engine/redis-sessions.js';
import type { RealServerUse } from '../../operation-info.js';

export interface AlibabaOperationContext {
  readonly engine: KillEngine;
  /** Session control of Redis instances. */
  readonly redis: RedisSessions;
  /** The caller's account UID; undefined when authentication is off (then any account's resources are reachable). */
  readonly owner: string | undefined;
  readonly now: number;
  /** Tells the journal which kill tasks the request created. */
  recordTasks(taskIds: readonly string[]): void;
  /** Tells the journal which other ids the answer hands out (a listing's ResultId). */
  recordIssued(ids: readonly string[]): void;
}

/** Every operation has the same shape: its Action, its parameter schema, and a handler returning `Data`. */
export interface AlibabaOperation<S extends z.ZodObject = z.ZodObject> {
  readonly action: string;
  readonly realServer: RealServerUse;
  /** The success envelope's `Code` and `Success` as strings (`"200"`, `"true"`), as this operation's model has them. */
  readonly stringEnvelope?: boolean;
  /** Parses the request's parameters (all strings); a failure is InvalidParams. Its keys are the parameters the vendor defines (strict mode). */
  readonly params: S;
  handle(params: z.output<S>, context: AlibabaOperationContext): Promise<unknown>;
}

export const defineOperation = <S extends z.ZodObject>(operation: AlibabaOperation<S>): AlibabaOperation<S> => operation;
