/**
 * Cold start: spawn of `node dist/cli.js` (default fixtures, a data file that already exists) to its
 * first 200 from /_emulator/health, against spawn of the reference script to its first 200.
 */
import { join } from 'node:path';
import { startEmulatorProcess, startReferenceProcess, type ServerProcess } from './processes.js';

export interface ColdStartResult {
  readonly emulatorMs: readonly number[];
  readonly referenceMs: readonly number[];
}

async function once(start: () => Promise<ServerProcess>): Promise<number> {
  const server = await start();
  await server.stop();
  return server.startMs;
}

export async function measureColdStart(dir: string, runs: number, progress: (line: string) => void): Promise<ColdStartResult> {
  const data = join(dir, 'cold-start.db');
  const emulator = () => startEmulatorProcess(['--data', data]);
  // Not reported: creates the data file and its key, and warms the OS file cache for both.
  await once(emulator);
  await once(startReferenceProcess);
  const emulatorMs: number[] = [], referenceMs: number[] = [];
  for (let run = 1; run <= runs; run++) {
    const order = run % 2 === 1 ? ['emulator', 'reference'] : ['reference', 'emulator'];
    for (const side of order) {
      if (side === 'emulator') emulatorMs.push(await once(emulator));
      else referenceMs.push(await once(startReferenceProcess));
    }
    progress(`  cold start run ${run}: emulator ${emulatorMs.at(-1)!.toFixed(0)} ms, reference ${referenceMs.at(-1)!.toFixed(0)} ms`);
  }
  return { emulatorMs, referenceMs };
}
