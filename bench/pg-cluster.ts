/**
 * A throwaway PostgreSQL cluster for the kill benchmark: 1,000 victim sessions need more than a
 * shared server's max_connections (100 here), and the benchmark must not change a server it does
 * not own. initdb and postgres refuse to run as root, so as root both run as the `postgres` OS
 * user (runuser) in a temporary directory that user owns; as anyone else, as that user.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';

export interface PgCluster {
  /** postgresql://postgres@127.0.0.1:<port>/postgres: trust authentication, so no password. */
  readonly url: string;
  readonly port: number;
  readonly version: string;
  /** Stops the server and removes its directory; safe to call twice. */
  stop(): void;
}

/** The newest installed server's binaries (Debian's layout), unless BENCH_PG_BIN names them. */
export function postgresBinDir(): string | undefined {
  if (process.env.BENCH_PG_BIN) return process.env.BENCH_PG_BIN;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb')));
  versions.sort((a, b) => Number(a) - Number(b));
  return versions.length ? join(root, versions.at(-1)!, 'bin') : undefined;
}

/** A port nothing listens on right now (the server takes it a moment later; a clash fails the start loudly). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * initdb, then pg_ctl start with max_connections as asked, listening on 127.0.0.1 only and with
 * its socket in the temporary directory. fsync is off: the cluster holds nothing worth keeping.
 * Throws with the tools' own output when any step fails, after removing what it made.
 */
export async function startPgCluster(maxConnections: number): Promise<PgCluster> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('no PostgreSQL server binaries found (looked in /usr/lib/postgresql/*/bin; set BENCH_PG_BIN)');
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(os.tmpdir(), 'das-bench-pg-'));
  const data = join(dir, 'data');
  const run = (tool: string, args: string[]): string => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args];
    try {
      return execFileSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    } catch (error) {
      const e = error as { stderr?: string; stdout?: string; message: string };
      throw new Error(`${tool} failed: ${(e.stderr || e.stdout || e.message).trim().split('\n').slice(-5).join(' | ')}`);
    }
  };
  let started = false;
  const stop = () => {
    if (started) {
      started = false;
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch (error) {
        console.error(`stopping the benchmark's PostgreSQL cluster failed: ${(error as Error).message}`);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (asRoot) {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
      chownSync(dir, uid, gid);
    }
    run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync']);
    const port = await freePort();
    const options = [`-c max_connections=${maxConnections}`, `-p ${port}`, `-k ${dir}`, "-c listen_addresses='127.0.0.1'", '-c fsync=off', '-c synchronous_commit=off'].join(' ');
    run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-o', options, '-w', '-t', '60', 'start']);
    started = true;
    const version = run('postgres', ['--version']).trim().replace(/^postgres \(PostgreSQL\) /, '');
    return { url: `postgresql://postgres@127.0.0.1:${port}/postgres`, port, version, stop };
  } catch (error) {
    stop();
    throw error;
  }
}
