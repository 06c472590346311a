import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSecretKey, SecretBox } from '../../src/secrets.js';

const HEX_KEY = 'a1'.repeat(32);

/** The message of the error `fn` throws; fails the test when it throws none. */
function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error, none was thrown');
}

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('opens what it sealed, including empty and non-ASCII text', () => {
    for (const plaintext of ['S3cret!pw', '', 'пароль-密码-🔑', 'x'.repeat(10_000)]) {
      expect(box.open(box.seal(plaintext))).toBe(plaintext);
    }
  });

  it('seals into one compact v1 string that does not contain the plaintext', () => {
    const sealed = box.seal('Plain-Text-Password');
    expect(sealed).toMatch(/^v1:[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain('Plain-Text-Password');
    // 12-byte IV + 16-byte tag + 19 bytes of ciphertext, base64url without padding
    expect(Buffer.from(sealed.slice(3), 'base64url')).toHaveLength(12 + 16 + 19);
  });

  it('uses a fresh IV each time: sealing the same text twice gives different values', () => {
    const a = box.seal('same');
    const b = box.seal('same');
    expect(a).not.toBe(b);
    expect(Buffer.from(a.slice(3), 'base64url').subarray(0, 12).equals(Buffer.from(b.slice(3), 'base64url').subarray(0, 12))).toBe(false);
    expect(box.open(a)).toBe('same');
    expect(box.open(b)).toBe('same');
  });

  it('cannot open a value sealed with another key', () => {
    const sealed = new SecretBox(randomBytes(32)).seal('not for you');
    expect(() => box.open(sealed)).toThrow(/tampered with or sealed with another key/);
  });

  it('refuses a tampered value: any flipped byte of IV, tag or ciphertext', () => {
    const bytes = Buffer.from(box.seal('integrity matters').slice(3), 'base64url');
    for (const position of [0, 11, 12, 27, 28, bytes.length - 1]) {
      const altered = Buffer.from(bytes);
      altered[position] = altered[position]! ^ 0x01;
      expect(() => box.open(`v1:${altered.toString('base64url')}`)).toThrow(/tampered with or sealed with another key/);
    }
  });

  it('refuses values of an unknown format or truncated ones', () => {
    expect(() => box.open('plain text')).toThrow(/unknown format/);
    expect(() => box.open('v2:AAAA')).toThrow(/unknown format/);
    expect(() => box.open('v1:AAAA')).toThrow(/truncated/);
  });

  it('rejects a key that is not 32 bytes', () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow(/32 bytes/);
  });

  it('keeps its own copy of the key: changing the buffer given afterwards changes nothing', () => {
    const key = randomBytes(32);
    const own = new SecretBox(key);
    const sealed = own.seal('copy');
    key.fill(0);
    expect(own.open(sealed)).toBe('copy');
  });

  it('does not show the key when inspected or serialised', () => {
    const key = randomBytes(32);
    const own = new SecretBox(key);
    expect(JSON.stringify(own)).not.toContain(key.toString('hex'));
    expect(JSON.stringify(own)).not.toContain(key.toString('base64'));
    expect(Object.values(own)).toEqual([]);
  });
});

describe('loadSecretKey', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'das-emulator-secrets-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes the key from DAS_EMULATOR_SECRET_KEY as 64 hex characters', () => {
    const key = loadSecretKey({ dataPath: join(dir, 'data.db'), envKey: HEX_KEY });
    expect(key.equals(Buffer.from(HEX_KEY, 'hex'))).toBe(true);
    expect(() => statSync(join(dir, 'data.db.key'))).toThrow(/ENOENT/); // no key file when the variable is set
  });

  it('takes the key from DAS_EMULATOR_SECRET_KEY as base64 (standard or URL-safe, padded or not) of 32 bytes', () => {
    const raw = Buffer.from('fb'.repeat(32), 'hex'); // encodes with '+' / '/' in standard base64
    for (const text of [raw.toString('base64'), raw.toString('base64').replace(/=$/, ''), raw.toString('base64url')]) {
      expect(loadSecretKey({ dataPath: ':memory:', envKey: text }).equals(raw)).toBe(true);
    }
    expect(loadSecretKey({ dataPath: ':memory:', envKey: ` ${HEX_KEY}\n` }).equals(Buffer.from(HEX_KEY, 'hex'))).toBe(true);
  });

  it.each([
    ['too short hex', 'abcdef0123456789'],
    ['63 hex characters', 'c'.repeat(63)],
    ['65 hex characters', 'c'.repeat(65)],
    ['non-hex 64 characters', 'z'.repeat(64)],
    ['base64 of 16 bytes', Buffer.from('Secret-Value-16b').toString('base64')],
    ['base64 of 48 bytes', Buffer.from('Secret-Value-48-bytes-long-xxxxxxxxxxxxxxxxxxxxx').toString('base64')],
    ['a passphrase', 'my-super-secret-passphrase-value'],
    ['an empty value', ''],
  ])('rejects an invalid DAS_EMULATOR_SECRET_KEY (%s) naming the variable but not its value', (_label, value) => {
    const message = messageOf(() => loadSecretKey({ dataPath: join(dir, 'data.db'), envKey: value }));
    expect(message).toContain('DAS_EMULATOR_SECRET_KEY');
    if (value !== '') expect(message).not.toContain(value);
  });

  it('gives an in-memory store a fresh random key each time, with no file', () => {
    const a = loadSecretKey({ dataPath: ':memory:', envKey: undefined });
    const b = loadSecretKey({ dataPath: ':memory:', envKey: undefined });
    expect(a).toHaveLength(32);
    expect(b).toHaveLength(32);
    expect(a.equals(b)).toBe(false);
  });

  it('creates <dataPath>.key once, mode 0600, and reads the same key back on the next start', () => {
    const dataPath = join(dir, 'nested', 'data.db');
    const keyPath = `${dataPath}.key`;
    const first = loadSecretKey({ dataPath, envKey: undefined });
    expect(first).toHaveLength(32);

    const stat = statSync(keyPath);
    expect(stat.mode & 0o777).toBe(0o600);
    const content = readFileSync(keyPath, 'utf8');
    expect(content.trim()).toBe(first.toString('hex'));

    const sealed = new SecretBox(first).seal('survives restarts');
    const second = loadSecretKey({ dataPath, envKey: undefined });
    expect(second.equals(first)).toBe(true);
    expect(new SecretBox(second).open(sealed)).toBe('survives restarts');
    // not rewritten: same inode, same bytes
    expect(statSync(keyPath).ino).toBe(stat.ino);
    expect(readFileSync(keyPath, 'utf8')).toBe(content);
  });

  it('uses a key file that already exists (another process created it) instead of overwriting it', () => {
    const dataPath = join(dir, 'data.db');
    writeFileSync(`${dataPath}.key`, `${HEX_KEY}\n`, { mode: 0o600 });
    expect(loadSecretKey({ dataPath, envKey: undefined }).equals(Buffer.from(HEX_KEY, 'hex'))).toBe(true);
    expect(readFileSync(`${dataPath}.key`, 'utf8')).toBe(`${HEX_KEY}\n`);
  });

  it('prefers DAS_EMULATOR_SECRET_KEY over an existing key file', () => {
    const dataPath = join(dir, 'data.db');
    writeFileSync(`${dataPath}.key`, `${'0f'.repeat(32)}\n`, { mode: 0o600 });
    expect(loadSecretKey({ dataPath, envKey: HEX_KEY }).equals(Buffer.from(HEX_KEY, 'hex'))).toBe(true);
  });

  it('refuses a corrupt key file without printing its content', () => {
    const dataPath = join(dir, 'data.db');
    const junk = 'not-a-key-but-something-private-'.repeat(3);
    writeFileSync(`${dataPath}.key`, junk, { mode: 0o600 });
    const message = messageOf(() => loadSecretKey({ dataPath, envKey: undefined }));
    expect(message).toMatch(/data\.db\.key is invalid/);
    expect(message).not.toContain(junk);
    expect(message).not.toContain('something-private');
  });
});
