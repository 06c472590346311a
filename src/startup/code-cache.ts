import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

/**
 * The bundled CLI run from V8's code cache. Node 20 caches no compiled module code between runs
 * (`module.enableCompileCache()` arrived in Node 22.1), so every start parsed and compiled the whole
 * bundle again: 40–50 ms of a 300 ms start. The build runs the bundle once, up to its first
 * answered request, and saves what V8 compiled (`<bundle>.v8cache`); a start hands it back to V8.
 *
 * V8 checks a cache against the source's length only, so the file begins with the SHA-1 of the
 * bundle it was made from: a cache of another bundle is never used. V8 refuses one made by another
 * V8 version or with other V8 flags by itself; the bundle then compiles as if there were none.
 */
const DIGEST_BYTES = 20;

export const cacheFileOf = (bundle: string): string => bundle.replace(/\.cjs$/, '') + '.v8cache';

export interface CompiledBundle {
  /** Whether V8 took a cache: false when there was none, or it was made for another bundle, V8 or flag set. */
  readonly cached: boolean;
  /** Runs the bundle as Node runs a CommonJS module. */
  run(): void;
  /** What V8 has compiled of the bundle so far, as the cache file holds it. */
  cacheData(): Buffer;
}

export function compileBundle(file: string): CompiledBundle {
  const bytes = readFileSync(file);
  const digest = createHash('sha1').update(bytes).digest();
  const cachedData = readCache(cacheFileOf(file), digest);
  // The build writes the bundle in ASCII only (scripts/bundle-cli.mjs), so latin1 decodes it exactly,
  // without UTF-8's validation pass over a megabyte.
  const source = bytes.toString('latin1');
  // Node's own CommonJS wrapper, on the source's first line: line numbers in stack traces stay true.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData });
  return {
    cached: cachedData !== undefined && !script.cachedDataRejected,
    run() {
      const module = { exports: {} };
      script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
    },
    cacheData: () => Buffer.concat([digest, script.createCachedData()]),
  };
}

function readCache(path: string, digest: Buffer): Buffer | undefined {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch {
    return undefined;
  }
  return data.subarray(0, DIGEST_BYTES).equals(digest) ? data.subarray(DIGEST_BYTES) : undefined;
}
