import type { z } from 'zod';
import type { KillEngine } from '../../../engine/kill-engine.js';
import type { RealServerUse } from '../../operation-info.js';

export interface AlibabaOperationContext {
  readonly engine: KillEngine;
  /** The caller's account UID; undefined when authentication is off (then any account's resources are reachable). */
  readonly owner: string | undefined;
  readonly now: number;
}

/** Every operation has the same shape: its Action, its parameter schema, and a handler returning `Data`. */
export interface AlibabaOperation<S extends z.ZodType = z.ZodType> {
  readonly action: string;
  readonly realServer: RealServerUse;
  /** Parses the request's parameters (all strings); a failure is InvalidParams. */
  readonly params: S;
  handle(params: z.output<S>, context: AlibabaOperationContext): Promise<unknown>;
}

export const defineOperation = <S extends z.ZodType>(operation: AlibabaOperation<S>): AlibabaOperation<S> => operation;
