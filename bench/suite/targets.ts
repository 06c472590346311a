/**
 * The servers the throughput phase loads, each its own process on loopback answering the same four
 * calls: the emulator CLI (auth enforced, and optionally off) and its peers (bare node:http, bare
 * Hono, a naive Hono + HMAC + SQLite implementation, WireMock standalone).
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { wireMockCommand, wireMockReady } from './peers/wiremock.js';
import { startEmulatorProcess, startPeerProcess, startServer, type ServerProcess } from './processes.js';
import type { TargetKey } from './target-keys.js';

export interface Target {
  readonly key: TargetKey;
  readonly label: string;
  readonly server: ServerProcess;
  readonly emulator: boolean;
  /** Refuses a wrong signature (checked before loading). */
  readonly checksSignatures: boolean;
  /** Refuses a nonce it has seen: an Alibaba pool must never repeat an entry on it. */
  readonly remembersNonces: boolean;
}

export const LABELS: Record<TargetKey, string> = {
  emulator: 'emulator (auth enforce)',
  'emulator-auth-off': 'emulator (auth off)',
  'node-http': 'bare node:http',
  hono: 'bare Hono',
  naive: 'naive Hono+HMAC+SQLite',
  wiremock: 'WireMock',
};

/** A stopped emulator's data file and its key, so a second emulator starts on the same tasks and DB users. */
function copyDataFile(from: string, to: string): void {
  for (const suffix of ['', '.key', '-wal']) if (existsSync(from + suffix)) copyFileSync(from + suffix, to + suffix);
}

/**
 * Starts the chosen targets. `data` is a data file an emulator prepared and left (the task to read,
 * the registered DB user). Returns the targets and, for any that cannot run here, why.
 */
export async function startTargets(dir: string, keys: readonly TargetKey[], data: string, emulatorNodeFlags: readonly string[]): Promise<{ targets: Target[]; skipped: string[] }> {
  const targets: Target[] = [];
  const skipped: string[] = [];
  const add = (key: TargetKey, server: ServerProcess, checks: Partial<Pick<Target, 'emulator' | 'checksSignatures' | 'remembersNonces'>> = {}) =>
    targets.push({ key, label: LABELS[key], server, emulator: false, checksSignatures: false, remembersNonces: false, ...checks });
  // Copied before any emulator opens the file, so the copy is of a closed file.
  const authOffData = join(dir, 'throughput-auth-off.db');
  if (keys.includes('emulator-auth-off')) copyDataFile(data, authOffData);
  try {
    for (const key of keys) {
      switch (key) {
        case 'emulator':
          add(key, await startEmulatorProcess(['--data', data], emulatorNodeFlags), { emulator: true, checksSignatures: true, remembersNonces: true });
          break;
        case 'emulator-auth-off':
          add(key, await startEmulatorProcess(['--data', authOffData, '--auth', 'off']), { emulator: true });
          break;
        case 'node-http':
          add(key, await startPeerProcess('node-http'));
          break;
        case 'hono':
          add(key, await startPeerProcess('hono-bare'));
          break;
        case 'naive':
          add(key, await startPeerProcess('naive', ['--data', join(dir, 'naive.db')]), { checksSignatures: true });
          break;
        case 'wiremock': {
          const root = join(dir, 'wiremock');
          mkdirSync(root, { recursive: true });
          const command = wireMockCommand(root);
          if ('missing' in command) skipped.push(`WireMock not run: ${command.missing}.`);
          else add(key, await startServer(command.command, command.args, wireMockReady));
          break;
        }
      }
    }
  } catch (error) {
    for (const target of targets) await target.server.stop();
    throw error;
  }
  return { targets, skipped };
}
