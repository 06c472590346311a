import { bindingOf, type Catalog } from '../engine/catalog.js';
import type { NodeRef } from '../model.js';
import { describeRedisServer } from './redis-url.js';

/** One backend as health reports it: the simulation is always ready; a real server only when it answered. */
export interface BackendState {
  readonly backend: 'simulated' | 'mysql' | 'postgres' | 'redis';
  /** The server (never its password) and the instances bound to it. */
  readonly server?: string;
  readonly instances?: readonly string[];
  readonly state: 'ready' | 'unreachable' | 'refused';
  readonly reason?: string;
  /** When the state was last checked (ISO 8601). */
  readonly checkedAt?: string;
}

export interface BackendHealthOptions {
  readonly catalog: Catalog;
  /** Connects with the node's maintenance account and runs one statement; rejects with a BackendError. */
  readonly probe: (node: NodeRef) => Promise<void>;
  /** Connects to a Redis instance's bound server as its URL's account; rejects with a BackendError. */
  readonly probeRedis?: (instanceId: string) => Promise<void>;
  readonly now: () => number;
  /** A health call waits at most this long for a probe; a slower server counts as unreachable meanwhile. */
  readonly deadlineMs?: number;
  /** A probe's answer is reused this long, so polling health never floods a server with connections. */
  readonly reuseMs?: number;
}

interface Probe {
  readonly startedAt: number;
  readonly result: Promise<Pick<BackendState, 'state' | 'reason'>>;
  settled?: Pick<BackendState, 'state' | 'reason'> & { readonly at: number };
}

/**
 * Whether each real server the fixtures bind answers, one probe per server and account. A bound
 * server that is down makes the emulator not ready: its instances' kills would fail.
 */
export class BackendHealth {
  private readonly probes = new Map<string, Probe>();

  constructor(private readonly options: BackendHealthOptions) {}

  async check(): Promise<BackendState[]> {
    const groups = new Map<string, { backend: 'mysql' | 'postgres'; server: string; node: NodeRef; instances: string[] }>();
    for (const instance of this.options.catalog.all()) {
      for (const node of instance.nodes) {
        const binding = bindingOf(node);
        if (!binding) continue;
        const { server, backend } = binding;
        const group = groups.get(server) ?? { backend, server, node: { instanceId: instance.id, nodeId: node.id }, instances: [] };
        if (!group.instances.includes(instance.id)) group.instances.push(instance.id);
        groups.set(server, group);
      }
    }
    const redisGroups = new Map<string, { server: string; instances: string[] }>();
    for (const instance of this.options.catalog.all()) {
      if (!instance.redis || !this.options.probeRedis) continue;
      const server = describeRedisServer(instance.redis);
      const group = redisGroups.get(server) ?? { server, instances: [] };
      group.instances.push(instance.id);
      redisGroups.set(server, group);
    }
    for (const key of this.probes.keys()) if (!groups.has(key) && !redisGroups.has(key)) this.probes.delete(key);
    const real = await Promise.all([...groups.values()].map(async ({ backend, server, node, instances }) => ({ backend, server, instances, ...(await this.stateOf(server, () => this.options.probe(node))) })));
    const redis = await Promise.all(
      [...redisGroups.values()].map(async ({ server, instances }) => ({ backend: 'redis' as const, server, instances, ...(await this.stateOf(server, () => this.options.probeRedis!(instances[0]!))) })),
    );
    return [{ backend: 'simulated', state: 'ready' }, ...real, ...redis];
  }

  private async stateOf(key: string, probeServer: () => Promise<void>): Promise<Omit<BackendState, 'backend'>> {
    const now = this.options.now();
    let probe = this.probes.get(key);
    const stale = probe?.settled !== undefined && now - probe.settled.at >= (this.options.reuseMs ?? 2_000);
    if (!probe || stale) {
      const started: Probe = {
        startedAt: now,
        result: probeServer().then(
          () => ({ state: 'ready' as const }),
          (error: Error & { kind?: string }) => ({ state: error.kind === 'access_denied' ? ('refused' as const) : ('unreachable' as const), reason: error.message }),
        ),
      };
      void started.result.then((settled) => (started.settled = { ...settled, at: this.options.now() }));
      this.probes.set(key, started);
      probe = started;
    }
    const deadlineMs = this.options.deadlineMs ?? 1_000;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<Pick<BackendState, 'state' | 'reason'>>((resolve) => {
      timer = setTimeout(() => resolve({ state: 'unreachable', reason: `no answer within ${deadlineMs} ms (still trying)` }), deadlineMs);
    });
    const result = await Promise.race([probe.result, late]);
    clearTimeout(timer);
    return { ...result, checkedAt: new Date(probe.settled?.at ?? probe.startedAt).toISOString() };
  }
}
