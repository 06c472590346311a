/**
 * Peer: WireMock standalone (the jar the `wiremock` npm package ships), the usual choice for a
 * canned HTTP stand-in, run on the JVM with stub mappings that answer the four measured calls by
 * method and path (and, for Alibaba, the V3 x-acs-action header) with the same canned bodies as the
 * other peers. The request journal and request logging are off, as one would run it under load.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../paths.js';
import { CANNED } from './canned.js';

const JAVA = '/usr/bin/java';
const JAR_DIR = join(ROOT, 'node_modules', 'wiremock', 'build');

/** `java -jar …` arguments, or why WireMock cannot run here. */
export function wireMockCommand(rootDir: string): { command: string; args: string[] } | { missing: string } {
  if (!existsSync(JAVA)) return { missing: `no ${JAVA}` };
  const jar = existsSync(JAR_DIR) ? readdirSync(JAR_DIR).find((name) => /^wiremock-standalone-.*\.jar$/.test(name)) : undefined;
  if (!jar) return { missing: `no wiremock-standalone jar in ${JAR_DIR} (npm install)` };
  writeMappings(rootDir);
  return {
    command: JAVA,
    args: ['-jar', join(JAR_DIR, jar), '--port', '0', '--bind-address', '127.0.0.1', '--root-dir', rootDir, '--no-request-journal', '--disable-request-logging'],
  };
}

/** WireMock prints its configuration at start, `port: <n>` among it, once it listens. */
export function wireMockReady(stdout: string): string | undefined {
  const port = /^port:\s+(\d+)\s*$/m.exec(stdout)?.[1];
  return port ? `http://127.0.0.1:${port}` : undefined;
}

const stub = (request: object, body: object) => ({
  request,
  response: { status: 200, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) },
});
const INSTANCE_PATH = '/v3/[^/]+/instances/[^/]+';

function writeMappings(rootDir: string): void {
  const dir = join(rootDir, 'mappings');
  mkdirSync(dir, { recursive: true });
  const mappings = [
    stub({ method: 'GET', urlPath: '/_emulator/health' }, { status: 'ok' }),
    ...Object.entries(CANNED.alibaba).map(([action, body]) => stub({ method: 'POST', urlPath: '/', headers: { 'x-acs-action': { equalTo: action } } }, body)),
    stub({ method: 'GET', urlPathPattern: `${INSTANCE_PATH}/processes` }, CANNED.listProcesses),
    stub({ method: 'DELETE', urlPathPattern: `${INSTANCE_PATH}/process` }, CANNED.deleteProcess),
  ];
  writeFileSync(join(dir, 'bench.json'), JSON.stringify({ mappings }, null, 2));
}
