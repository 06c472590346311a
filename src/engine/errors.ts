/** Why the engine refused a request; adapters map each kind to their cloud's error. */
export type EngineErrorKind = 'instance_not_found' | 'node_not_found' | 'node_required' | 'unsupported_engine' | 'task_not_found' | 'listing_not_found' | 'task_not_running' | 'task_on_real_server';

export class EngineError extends Error {
  override readonly name = 'EngineError';
  constructor(
    readonly kind: EngineErrorKind,
    message: string,
  ) {
    super(message);
  }
}
