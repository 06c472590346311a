import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** The environment variable that may carry the key; named in errors, its value never is. */
export const SECRET_KEY_ENV = 'DAS_EMULATOR_SECRET_KEY';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1:';
const ALGORITHM = 'aes-256-gcm';

/**
 * Authenticated encryption of small secrets (AES-256-GCM, a random 12-byte IV per value).
 * A sealed value is `v1:` + base64url(iv | tag | ciphertext).
 */
export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) throw new Error(`SecretBox: the key must be ${KEY_BYTES} bytes, not ${key.length}`);
    this.#key = Buffer.from(key); // a private copy: later changes to the caller's buffer do not reach it
  }

  seal(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#key, iv, { authTagLength: TAG_BYTES });
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return VERSION + Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url');
  }

  /**
   * A fingerprint of the key, stored beside sealed values so a restart can tell at once whether it
   * has the key that sealed them: an HMAC of a constant, which reveals nothing about the key.
   */
  keyCheck(): string {
    return createHmac('sha256', this.#key).update('das-emulator secret key check v1').digest('base64url');
  }

  /** Decrypts a value sealed by `seal` with the same key; throws when it was altered or sealed with another key. */
  open(sealed: string): string {
    if (!sealed.startsWith(VERSION)) throw new Error('cannot open sealed secret: unknown format (expected a "v1:" value)');
    const bytes = Buffer.from(sealed.slice(VERSION.length), 'base64url');
    if (bytes.length < IV_BYTES + TAG_BYTES) throw new Error('cannot open sealed secret: the value is truncated');
    const iv = bytes.subarray(0, IV_BYTES);
    const tag = bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
    const ciphertext = bytes.subarray(IV_BYTES + TAG_BYTES);
    try {
      const decipher = createDecipheriv(ALGORITHM, this.#key, iv, { authTagLength: TAG_BYTES });
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      throw new Error('cannot open sealed secret: it was tampered with or sealed with another key');
    }
  }
}

export interface SecretKeyOptions {
  /** The data file path (or ':memory:'); a kept key lives in `<dataPath>.key`. */
  readonly dataPath: string;
  /** The value of DAS_EMULATOR_SECRET_KEY, when set. */
  readonly envKey: string | undefined;
}

/**
 * The 32-byte key for secrets at rest: from DAS_EMULATOR_SECRET_KEY when given (64 hex characters or base64 of
 * 32 bytes), a fresh random key for an in-memory store, otherwise the key kept in `<dataPath>.key`, created on
 * first use. Neither the key nor the variable's value ever appears in an error message.
 */
export function loadSecretKey(options: SecretKeyOptions): Buffer {
  if (options.envKey !== undefined) return parseEnvKey(options.envKey);
  if (options.dataPath === ':memory:') return randomBytes(KEY_BYTES);
  return keptKey(`${options.dataPath}.key`);
}

const HEX_KEY = /^[0-9a-fA-F]{64}$/;
// 32 bytes are 43 base64 characters plus one '=' of padding; the URL-safe alphabet is accepted too.
const BASE64_KEY = /^(?:[A-Za-z0-9+/]{43}|[A-Za-z0-9_-]{43})=?$/;

function parseEnvKey(raw: string): Buffer {
  const value = raw.trim();
  if (HEX_KEY.test(value)) return Buffer.from(value, 'hex');
  if (BASE64_KEY.test(value)) {
    const key = Buffer.from(value, value.includes('-') || value.includes('_') ? 'base64url' : 'base64');
    if (key.length === KEY_BYTES) return key;
  }
  throw new Error(
    `${SECRET_KEY_ENV} is invalid: it must be 32 bytes written as 64 hexadecimal characters or as base64 ` +
      `(e.g. the output of \`openssl rand -hex 32\`); the value given (${value.length} characters) is neither`,
  );
}

/** Reads the key file, creating it first when absent. 'wx' makes creation exclusive: of two racing processes one writes, both read. */
function keptKey(path: string): Buffer {
  mkdirSync(dirname(path), { recursive: true });
  let fd: number | undefined;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  if (fd === undefined) return readKeyFile(path);
  const key = randomBytes(KEY_BYTES);
  try {
    writeSync(fd, `${key.toString('hex')}\n`);
  } catch (error) {
    closeSync(fd);
    unlinkSync(path);
    throw error;
  }
  closeSync(fd);
  return key;
}

/** Reads an existing key file; waits briefly when another process has created it but not yet written it. */
function readKeyFile(path: string): Buffer {
  const deadline = Date.now() + 2_000;
  for (;;) {
    const content = readFileSync(path, 'utf8').trim();
    if (HEX_KEY.test(content)) return Buffer.from(content, 'hex');
    if (content.length >= 64 || Date.now() >= deadline) {
      throw new Error(`secret key file ${path} is invalid: it must hold 64 hexadecimal characters (delete it only if no stored secret is needed)`);
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  }
}
