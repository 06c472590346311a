import { readFileSync } from 'node:fs';
import { rawRequest, type RawResponse } from '../support/http.js';

/**
 * Requests exactly as the vendors' generated DAS clients sent them (TypeScript, Python and Go),
 * copied from the shared spec's `sdk-captures.json`; `sdk-captures.md` there says how they were made.
 */
export interface Capture {
  readonly id: string;
  readonly operation: string;
  readonly signing: string;
  /** ISO 8601 UTC: the request's own signed time. */
  readonly recorded_at: string;
  readonly request: {
    readonly method: string;
    readonly path: string;
    /** Raw query string as sent, without `?`. */
    readonly query: string;
    readonly body: string;
    /** Lowercase name -> value as sent (Content-Length and unsigned User-Agent left out). */
    readonly headers: Readonly<Record<string, string>>;
  };
}

export const CAPTURES: readonly Capture[] = JSON.parse(readFileSync(new URL('./sdk-captures.json', import.meta.url), 'utf8')) as Capture[];

/** `ali-ts312-v3`, `ali-py-v1`, `hw-go`, ...: the captures one client session made, in file order. */
export function groupOf(capture: Capture): string {
  return capture.id.startsWith('ali-') ? capture.id.split('-').slice(0, 3).join('-') : capture.id.split('-').slice(0, 2).join('-');
}

/** The case name after the group: `create-kill-sessionids`, `list-processes`, ... */
export const caseOf = (capture: Capture): string => capture.id.slice(groupOf(capture).length + 1);

export const GROUPS: readonly string[] = [...new Set(CAPTURES.map(groupOf))];

export const capture = (id: string): Capture => {
  const found = CAPTURES.find((c) => c.id === id);
  if (!found) throw new Error(`no capture ${id}`);
  return found;
};

export interface ReplayChanges {
  readonly query?: string;
  readonly body?: string;
  /** Header values to replace (lowercase names). */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Sends a capture byte for byte: the recorded Host (whatever port we listen on), every recorded
 * header, the raw body, and Content-Length as every client sent it (an empty Alibaba POST sends 0).
 */
export function replay(baseUrl: string, c: Capture, changes: ReplayChanges = {}): Promise<RawResponse> {
  const query = changes.query ?? c.request.query;
  const body = changes.body ?? c.request.body;
  const headers: Record<string, string> = { ...c.request.headers, ...changes.headers };
  const bytes = Buffer.from(body, 'utf8');
  if (bytes.length > 0 || c.id.startsWith('ali-')) headers['content-length'] = String(bytes.length);
  return rawRequest(baseUrl, { method: c.request.method, path: c.request.path + (query ? `?${query}` : ''), headers, ...(bytes.length > 0 ? { body: bytes } : {}) });
}

/** One character of `text` changed to another of the same class, at the first position `from` on where that is possible. */
export function changeOneByte(text: string, from = 0): string {
  for (let i = from; i < text.length; i++) {
    const ch = text[i]!;
    const swapped = /[0-8]/.test(ch) ? String(+ch + 1) : ch === '9' ? '0' : /[a-y]/.test(ch) ? String.fromCharCode(ch.charCodeAt(0) + 1) : /[A-Y]/.test(ch) ? String.fromCharCode(ch.charCodeAt(0) + 1) : undefined;
    if (swapped !== undefined) return text.slice(0, i) + swapped + text.slice(i + 1);
  }
  throw new Error(`nothing to change in ${JSON.stringify(text)}`);
}
