/**
 * Opt-in soak (`npm run bench:soak`): the emulator CLI on a data file under sustained V3-signed
 * reads, every request a fresh nonce, its resident memory sampled as it goes. What it shows: after
 * warm-up, memory stays flat, since used nonces go to SQLite in batches instead of piling up in memory.
 * SOAK_SECONDS (default 300) and SOAK_SAMPLE_SECONDS (default 15) set the run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killStartedServers, startEmulatorProcess } from './suite/processes.js';
import { load } from './suite/autocannon.js';
import { prepareWorkloads } from './suite/workloads.js';

const seconds = Number(process.env.SOAK_SECONDS ?? 300);
const sampleEvery = Number(process.env.SOAK_SAMPLE_SECONDS ?? 15);
const dir = mkdtempSync(join(tmpdir(), 'das-emulator-soak-'));
try {
  const emulator = await startEmulatorProcess(['--data', join(dir, 'soak.db')]);
  const read = (await prepareWorkloads(emulator.url))[0]!;
  console.log(`| elapsed s | requests/s | RSS MB | peak RSS MB |\n|---|---|---|---|`);
  let requests = 0;
  for (let elapsed = 0; elapsed < seconds; elapsed += sampleEvery) {
    const sample = await load(emulator, read.next, sampleEvery, 10);
    requests += sample.requests;
    const memory = emulator.memory();
    console.log(`| ${elapsed + sampleEvery} | ${sample.rps.toFixed(0)} | ${memory.rssMb.toFixed(1)} | ${memory.peakMb.toFixed(1)} |`);
  }
  console.log(`\n${requests} signed requests, each with its own nonce, in ${seconds} s.`);
  await emulator.stop();
} finally {
  killStartedServers();
  rmSync(dir, { recursive: true, force: true });
}
