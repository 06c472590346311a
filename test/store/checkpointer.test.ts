import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { startTestEmulator } from '../support/emulator.js';
import { createTaskUnsigned } from '../robustness/support.js';

describe('WAL checkpoints off the event loop', () => {
  let emulator: RunningEmulator | undefined;
  let dir: string;
  afterEach(async () => {
    await emulator?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a worker thread checkpoints what requests write; stop leaves no WAL behind', async () => {
    dir = mkdtempSync(join(tmpdir(), 'das-checkpoint-'));
    const data = join(dir, 'e.db');
    emulator = await startTestEmulator({ data, auth: 'off' });
    for (let i = 0; i < 50; i++) await createTaskUnsigned(emulator.url);
    // Within a few of the worker's 200 ms ticks, every frame of the log is in the data file.
    const reader = new Database(data);
    try {
      let status = { busy: 1, log: 1, checkpointed: 0 };
      const deadline = Date.now() + 5_000;
      while (Date.now() < deadline) {
        // A checkpoint of nothing new answers what the log holds and how much of it is checkpointed.
        status = (reader.pragma('wal_checkpoint(NOOP)') as (typeof status)[])[0]!;
        if (status.log > 0 && status.checkpointed === status.log) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(status.log).toBeGreaterThan(0);
      expect(status.checkpointed).toBe(status.log);
    } finally {
      reader.close();
    }
    await emulator.stop();
    emulator = undefined;
    expect(existsSync(`${data}-wal`)).toBe(false);
  });
});
