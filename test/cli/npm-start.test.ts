import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../readme/recipes.js';

/** Starts README's command and resolves with the URL of its ready line and what stdout held until then. */
function npmStart(args: string[]): Promise<{ child: ReturnType<typeof spawn>; url: string; stdout: string }> {
  const child = spawn('npm', [...args, '--', '--port', '0', '--data', ':memory:'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const m = /das-emulator ready on (http:\/\/\S+)\n/.exec(stdout);
      if (m) resolve({ child, url: m[1]!, stdout });
    });
    child.on('exit', (code) => reject(new Error(`npm exited ${code} before the ready line: ${stdout}`)));
  });
}

const answers = (url: string) => fetch(`${url}/_emulator/health`).then(() => true, () => false);

describe('`npm start` under a process supervisor', () => {
  it('SIGTERM to npm stops the emulator too: nothing is left listening', async () => {
    const { child, url } = await npmStart(['start']);
    expect(await answers(url)).toBe(true);
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    // The emulator closes its port before it exits; poll briefly rather than assume a delay.
    let listening = true;
    for (let i = 0; i < 50 && listening; i++) {
      listening = await answers(url);
      if (listening) await new Promise((r) => setTimeout(r, 100));
    }
    expect(listening).toBe(false);
  });

  it('`npm start --silent` prints the ready line and nothing before it', async () => {
    const { child, stdout } = await npmStart(['start', '--silent']);
    child.kill('SIGTERM');
    expect(stdout).toMatch(/^das-emulator ready on http:\/\/127\.0\.0\.1:\d+\n$/);
  });
});
