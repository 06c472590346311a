import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StartupError } from '../../src/config.js';
import { startEmulator, type Emulator } from '../../src/index.js';

const started: Emulator[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((e) => e.stop()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const dataFile = () => {
  const dir = mkdtempSync(join(tmpdir(), 'das-emulator-lock-'));
  dirs.push(dir);
  return join(dir, 'e.db');
};

describe('startEmulator(): one emulator per data file, in this process too', () => {
  it('refuses a second emulator of the same process on the same file, and takes the file once the first stopped', async () => {
    const data = dataFile();
    const first = await startEmulator({ data });
    started.push(first);
    const refused = startEmulator({ data });
    await expect(refused).rejects.toBeInstanceOf(StartupError);
    await expect(refused).rejects.toThrow(`is in use by another das-emulator (pid ${process.pid} `);
    await first.stop();
    started.push(await startEmulator({ data }));
  });

  it('gives the file up again when a start fails after opening it (a port in use)', async () => {
    const data = dataFile();
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    try {
      await expect(startEmulator({ data, port: (holder.address() as AddressInfo).port })).rejects.toThrow(/is already in use/);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
    started.push(await startEmulator({ data }));
  });
});
