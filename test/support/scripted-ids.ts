import { randomIds, type IdSource } from '../../src/ids.js';

/**
 * Random ids, except where a test has queued the next id of one purpose (`tasks`, `db-users`, ...):
 * the next id of that purpose and shape is the queued one. Replayed captures name ids that an
 * earlier request of the same client session received from the cloud; this hands them out.
 */
export function scriptedIds(): { source: IdSource; queue(purpose: string, id: string): void } {
  const queues = new Map<string, string[]>();
  const forPurpose = (purpose: string): IdSource => {
    const take = (fits: (id: string) => boolean, make: () => string) => {
      const queued = queues.get(purpose);
      return queued?.length && fits(queued[0]!) ? queued.shift()! : make();
    };
    return {
      hex: (bytes) => take((id) => new RegExp(`^[0-9a-f]{${bytes * 2}}$`).test(id), () => randomIds.hex(bytes)),
      ordered: (bytes) => take((id) => new RegExp(`^[0-9a-f]{${bytes * 2}}$`).test(id), () => randomIds.ordered(bytes)),
      uuid: () => take((id) => /^[0-9a-f-]{36}$/.test(id), randomIds.uuid),
      fraction: randomIds.fraction,
      fork: (child) => forPurpose(child),
    };
  };
  return {
    source: forPurpose(''),
    queue: (purpose, id) => queues.set(purpose, [...(queues.get(purpose) ?? []), id]),
  };
}
