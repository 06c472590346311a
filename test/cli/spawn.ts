import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root; the CLI under test is its built `dist/cli.js` (test/global-setup.ts builds it). */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export const READY_LINE = /^das-emulator ready on http:\/\/127\.0\.0\.1:(\d+)$/;

/** How long a process may take to become ready or to exit before the test gives up. */
export const READY_CAP_MS = 15_000;
export const EXIT_CAP_MS = 10_000;

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A spawned CLI process with its output captured. */
export class CliProcess {
  readonly child: ChildProcessWithoutNullStreams;
  private out = '';
  private err = '';
  private exit: Exit | undefined;
  readonly exited: Promise<Exit>;

  constructor(args: readonly string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: cleanEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.setEncoding('utf8').on('data', (chunk: string) => (this.out += chunk));
    this.child.stderr.setEncoding('utf8').on('data', (chunk: string) => (this.err += chunk));
    // 'close' fires after the exit and after stdio has been drained, so output is complete then.
    this.exited = new Promise<Exit>((resolve, reject) => {
      this.child.once('error', reject);
      this.child.once('close', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  get stdout(): string {
    return this.out;
  }

  get stderr(): string {
    return this.err;
  }

  get stdoutLines(): string[] {
    return this.out.split('\n').filter((line) => line !== '');
  }

  get hasExited(): boolean {
    return this.exit !== undefined;
  }

  /** Waits (at most `capMs`) for the ready line; returns it and the URL it announces. */
  async waitReady(capMs = READY_CAP_MS): Promise<{ line: string; url: string; port: number }> {
    const deadline = Date.now() + capMs;
    for (;;) {
      const line = this.out.split('\n').find((l) => READY_LINE.test(l));
      if (line) {
        const port = Number(READY_LINE.exec(line)![1]);
        return { line, url: `http://127.0.0.1:${port}`, port };
      }
      if (this.exit) throw new Error(`CLI exited (${JSON.stringify(this.exit)}) before its ready line.\nstdout: ${this.out}\nstderr: ${this.err}`);
      if (Date.now() > deadline) throw new Error(`no ready line within ${capMs} ms.\nstdout: ${this.out}\nstderr: ${this.err}`);
      await sleep(25);
    }
  }

  /** Waits (at most `capMs`) for the process to end. */
  async waitExit(capMs = EXIT_CAP_MS): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const cap = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`CLI did not exit within ${capMs} ms.\nstdout: ${this.out}\nstderr: ${this.err}`)), capMs);
    });
    try {
      return await Promise.race([this.exited, cap]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends a signal and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', capMs = EXIT_CAP_MS): Promise<Exit> {
    if (!this.exit) this.child.kill(signal);
    return this.waitExit(capMs);
  }

  /** For cleanup: ends the process however it can, without asserting anything. */
  async kill(): Promise<void> {
    if (this.exit) return;
    this.child.kill('SIGTERM');
    try {
      await this.waitExit(5_000);
    } catch {
      this.child.kill('SIGKILL');
      await this.exited.catch(() => undefined);
    }
  }
}

/** The parent's environment without any DAS_EMULATOR_* variable, plus `extra`. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('DAS_EMULATOR_')) env[name] = value;
  }
  return { ...env, ...extra };
}

/** Runs the CLI to completion (at most `capMs`), for invocations that are expected to end by themselves. */
export async function runCli(args: readonly string[], env: Record<string, string> = {}, capMs = READY_CAP_MS): Promise<Exit & { stdout: string; stderr: string }> {
  const cli = new CliProcess(args, env);
  try {
    const exit = await cli.waitExit(capMs);
    return { ...exit, stdout: cli.stdout, stderr: cli.stderr };
  } finally {
    await cli.kill();
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
