import { EXPORT_FORMAT, EXPORT_VERSION, type ExportEntry, type ReplayCodec, type ReplayRequest } from '../journal-export.js';
import type { JournalEntry } from '../journal.js';

type Provider = 'alibaba' | 'huawei';

export interface ReplayDeps {
  /** Sends a request through the emulator's own pipeline, marked as a replay (authentication off). */
  readonly send: (request: Request) => Promise<Response>;
  readonly codecs: Readonly<Record<Provider, ReplayCodec>>;
  /** A DB account's password from the loaded fixtures. */
  readonly passwordOf: (instanceId: string, user: string) => string | undefined;
  /** The journal entry a replayed request left (its tasks and issued ids pair with the original's). */
  readonly find: (requestId: string) => JournalEntry | undefined;
  /** The emulator's own URL (known once it listens): the requests are addressed to it. */
  readonly origin: () => string;
}

export interface ReplayResult {
  readonly index: number;
  readonly originalRequestId: string | null;
  readonly provider: string | null;
  readonly operation: string | null;
  readonly originalStatus: number | null;
  /** Not sent: why. */
  readonly skipped?: string;
  readonly requestId?: string | null;
  readonly status?: number;
  readonly errorCode?: string | null;
  /** Parameters sent as `******`: the secret was redacted and the fixtures do not know it. */
  readonly redacted?: readonly string[];
}

/** The journal as an export document: every entry with the request a replay would send (docs/journal-export.md). */
export function exportJournal(entries: readonly JournalEntry[], codecs: Readonly<Record<Provider, ReplayCodec>>, version: string, now: Date) {
  return {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: now.toISOString(),
    emulatorVersion: version,
    entries: entries.map((entry) => {
      const codec = entry.provider === 'alibaba' || entry.provider === 'huawei' ? codecs[entry.provider] : undefined;
      const rebuilt = codec ? codec.rebuild(entry) : { why: 'no provider answered it' };
      return { ...entry, ...('why' in rebuilt ? { request: null, why: rebuilt.why } : { request: rebuilt }) };
    }),
  };
}

/**
 * Sends each entry again, in order, one at a time (a kill's result poll needs the kill first).
 * Ids the emulator handed out then (task ids, ResultIds, db_user_ids) are new now: each replayed
 * answer's ids are paired with the original's, and later requests naming an old id name the new one.
 */
export async function replayEntries(entries: readonly ExportEntry[], deps: ReplayDeps): Promise<ReplayResult[]> {
  const renamed = new Map<string, string>();
  const results: ReplayResult[] = [];
  for (const [index, entry] of entries.entries()) {
    const base = { index, originalRequestId: entry.requestId ?? null, provider: entry.provider ?? null, operation: entry.operation ?? null, originalStatus: entry.status ?? null };
    if (!entry.request) {
      results.push({ ...base, skipped: entry.why ?? 'the entry has no request' });
      continue;
    }
    const provider = entry.provider ?? undefined;
    let request = rename(entry.request, renamed);
    let redacted: string[] = [];
    if (provider) ({ request, redacted } = deps.codecs[provider].fillSecrets(request, deps.passwordOf));
    const response = await deps.send(toFetchRequest(request, deps.origin()));
    await response.arrayBuffer();
    const requestId = response.headers.get('x-acs-request-id') ?? response.headers.get('x-request-id');
    const replayed = requestId === null ? undefined : deps.find(requestId);
    if (replayed) {
      pair(entry.taskIds, replayed.taskIds, renamed);
      pair(entry.issuedIds, replayed.issuedIds, renamed);
    }
    results.push({ ...base, requestId, status: response.status, errorCode: replayed?.errorCode ?? null, redacted });
  }
  return results;
}

function pair(before: readonly string[], after: readonly string[], renamed: Map<string, string>): void {
  before.forEach((id, i) => {
    const now = after[i];
    if (now !== undefined && now !== id) renamed.set(id, now);
  });
}

/** The request with every value (and path segment) that is an old id replaced by the new one. */
function rename(request: ReplayRequest, renamed: ReadonlyMap<string, string>): ReplayRequest {
  if (renamed.size === 0) return request;
  const value = (v: string) => renamed.get(v) ?? v;
  const strings = (record: Readonly<Record<string, string>>) => Object.fromEntries(Object.entries(record).map(([k, v]) => [k, value(v)]));
  const deep = (v: unknown): unknown => {
    if (typeof v === 'string') return value(v);
    if (Array.isArray(v)) return v.map(deep);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, inner]) => [k, deep(inner)]));
    return v;
  };
  const path = request.path
    .split('/')
    .map((segment) => {
      const decoded = safeDecode(segment);
      return renamed.has(decoded) ? encodeURIComponent(renamed.get(decoded)!) : segment;
    })
    .join('/');
  return {
    ...request,
    path,
    query: strings(request.query),
    ...(request.form ? { form: strings(request.form) } : {}),
    ...(request.json !== undefined ? { json: deep(request.json) } : {}),
  };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function toFetchRequest(request: ReplayRequest, origin: string): Request {
  const url = new URL(request.path, origin);
  for (const [name, value] of Object.entries(request.query)) url.searchParams.append(name, value);
  if (request.form) {
    return new Request(url, { method: request.method, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(request.form).toString() });
  }
  if (request.json !== undefined) {
    return new Request(url, { method: request.method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(request.json) });
  }
  return new Request(url, { method: request.method });
}
