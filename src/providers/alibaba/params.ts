import { z } from 'zod';
import { MAX_IGNORED_USERS, MAX_SESSION_IDS } from './limits.js';

/** The largest MySQL thread id: ids are unsigned 64-bit. */
export const MAX_SESSION_ID = 2n ** 64n - 1n;

type Scalar = { readonly kind: 'string' | 'number'; readonly text: string };

/**
 * Reads a JSON-style array of scalars, also in the legacy single-quoted form (`['a','b']`).
 * Numbers keep their exact digits (ids above 2^53 must not pass through a float).
 * Returns an explanation instead when the text is not such an array, or holds more than
 * `maxItems` elements (reading stops at the first one too many).
 */
export function parseScalarArray(text: string, maxItems = Infinity): Scalar[] | string {
  const items: Scalar[] = [];
  let i = 0;
  const skip = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  skip();
  if (text[i] !== '[') return 'is not a JSON array';
  i++;
  skip();
  if (text[i] === ']') {
    i++;
    skip();
    return i === text.length ? items : 'has text after the array';
  }
  for (;;) {
    if (items.length >= maxItems) return `has more than ${maxItems} elements, the most the emulator accepts`;
    skip();
    const c = text[i];
    if (c === '"' || c === "'") {
      let value = '';
      i++;
      while (i < text.length && text[i] !== c) {
        if (text[i] === '\\') {
          const next = text[i + 1];
          if (next === undefined) return 'has an unterminated string';
          value += next === 'n' ? '\n' : next === 't' ? '\t' : next;
          i += 2;
        } else value += text[i++];
      }
      if (i >= text.length) return 'has an unterminated string';
      i++;
      items.push({ kind: 'string', text: value });
    } else {
      const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
      if (!m) return `has an element that is neither a number nor a string at offset ${i}`;
      items.push({ kind: 'number', text: m[0] });
      i += m[0].length;
    }
    skip();
    if (text[i] === ',') {
      i++;
      continue;
    }
    if (text[i] === ']') {
      i++;
      skip();
      return i === text.length ? items : 'has text after the array';
    }
    return `expects "," or "]" at offset ${i}`;
  }
}

/** `SessionIds`: a JSON array of at most MAX_SESSION_IDS process ids, numbers or numeric strings, each in [0, 2^64-1]. */
export const sessionIdsParam = z.string().transform((text, ctx): bigint[] => {
  const items = parseScalarArray(text, MAX_SESSION_IDS);
  if (typeof items === 'string') {
    ctx.addIssue({ code: 'custom', message: `SessionIds ${items}` });
    return z.NEVER;
  }
  const ids: bigint[] = [];
  for (const item of items) {
    const digits = item.text.trim();
    if (!/^\d+$/.test(digits) || BigInt(digits) > MAX_SESSION_ID) {
      ctx.addIssue({ code: 'custom', message: `SessionIds element ${JSON.stringify(item.text)} is not an integer in [0, 2^64-1]` });
      return z.NEVER;
    }
    ids.push(BigInt(digits));
  }
  return ids;
});

/** `IgnoredUsers`: a JSON array of at most MAX_IGNORED_USERS account names. */
export const ignoredUsersParam = z.string().transform((text, ctx): string[] => {
  const items = parseScalarArray(text, MAX_IGNORED_USERS);
  if (typeof items === 'string') {
    ctx.addIssue({ code: 'custom', message: `IgnoredUsers ${items}` });
    return z.NEVER;
  }
  const bad = items.find((item) => item.kind !== 'string' || item.text === '');
  if (bad) {
    ctx.addIssue({ code: 'custom', message: `IgnoredUsers element ${JSON.stringify(bad.text)} is not an account name` });
    return z.NEVER;
  }
  return items.map((item) => item.text);
});

/**
 * Booleans travel as `true` / `false`, except from the Python clients, which send `str(bool)`:
 * `True` / `False`. The gateway reads them without regard to letter case.
 */
export const booleanParam = (name: string) =>
  z.string().transform((text, ctx) => {
    const lower = text.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    ctx.addIssue({ code: 'custom', message: `${name} must be true or false, got ${JSON.stringify(text)}` });
    return z.NEVER;
  });

/** A required string parameter; "required" means present and not empty. */
export const requiredParam = (name: string) =>
  z.string({ error: `${name} is mandatory for this action` }).min(1, `${name} is mandatory for this action`);

/** An optional parameter; the clients send empty values for unset fields, which mean "not given". */
export const optionalParam = <T extends z.ZodType<unknown, string>>(schema: T) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === '' ? undefined : v))
    .pipe(schema.optional());
