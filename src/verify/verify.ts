import { describeIssues } from '../fixtures/load.js';
import type { ContractWarning, JournalEntry } from '../journal.js';
import { cut, redactParams } from '../redact.js';
import { matches } from './match.js';
import { requestFilterSchema, verifySchema, type RequestFilter, type VerifyRequest } from './schema.js';

/** The body was not a verification the emulator can run (a 400, or a thrown error in process). */
export class VerifyInputError extends Error {
  override readonly name = 'VerifyInputError';
}

/** One expected field a near miss got wrong; `sent: false` when the request did not carry it. */
export interface Difference {
  readonly field: string;
  readonly expected: unknown;
  readonly actual: unknown;
  readonly sent: boolean;
}

export interface NearMiss {
  readonly entry: JournalEntry;
  readonly differences: readonly Difference[];
}

export interface WarningOf extends ContractWarning {
  readonly requestId: string;
  readonly provider: string | null;
  readonly operation: string | null;
}

export interface VerifyResult {
  readonly ok: boolean;
  /** What was checked and, on a failure, what the code sent instead: the text an assertion shows. */
  readonly message: string;
  /** What was expected, secrets `******` as in the journal. */
  readonly expected: {
    readonly provider: string | null;
    readonly operation: string | null;
    readonly params: Readonly<Record<string, unknown>>;
    readonly status: number | null;
    readonly count: { readonly min: number; readonly max: number | null };
    readonly noWarnings: boolean;
  };
  readonly matched: number;
  /** The matching requests, oldest first. */
  readonly entries: readonly JournalEntry[];
  /** When too few matched: requests of the operation, fewest differences first (then newest), at most MAX_NEAR_MISSES. */
  readonly nearMisses: readonly NearMiss[];
  /** With `noWarnings`: every contract warning of the journal. */
  readonly warnings: readonly WarningOf[];
}

export const MAX_NEAR_MISSES = 5;

/** Where a verification looks: the journal's entries and the operations that exist. */
export interface VerifySource {
  readonly entries: readonly JournalEntry[];
  readonly operations: ReadonlyArray<{ readonly provider: string; readonly operation: string }>;
}

/** Parses and checks the input; throws VerifyInputError saying why when it is not a verification. */
export function parseVerify(input: unknown, operations: VerifySource['operations']): VerifyRequest {
  const parsed = verifySchema.safeParse(input);
  if (!parsed.success) throw new VerifyInputError(`invalid verification: ${describeIssues(parsed.error)}`);
  const { provider, operation } = parsed.data;
  // A misspelt operation would otherwise be a 409 "found 0", pointing at the code under test.
  if (operation !== undefined && !operations.some((o) => o.provider === provider && o.operation === operation)) {
    const known = operations.filter((o) => o.provider === provider).map((o) => o.operation);
    throw new VerifyInputError(`invalid verification: operation: ${provider} has no operation ${JSON.stringify(operation)} (it has ${known.join(', ')})`);
  }
  return parsed.data;
}

export function verify(input: unknown, source: VerifySource): VerifyResult {
  const request = parseVerify(input, source.operations);
  const params = (redactParams(request.params ?? {}) ?? {}) as Record<string, unknown>;
  // `{max}` alone is "at most max" (zero included); no count at all is "at least one".
  const count = typeof request.count === 'number' ? { min: request.count, max: request.count } : { min: request.count?.min ?? (request.count?.max === undefined ? 1 : 0), max: request.count?.max ?? null };
  const expected = { provider: request.provider ?? null, operation: request.operation ?? null, params, status: request.status ?? null, count, noWarnings: request.noWarnings === true };

  let entries: JournalEntry[] = [];
  let nearMisses: NearMiss[] = [];
  const problems: string[] = [];
  if (request.operation !== undefined) {
    const ofOperation = source.entries.filter((e) => e.provider === request.provider && e.operation === request.operation);
    const compared = ofOperation.map((entry) => ({ entry, differences: differencesOf(entry, params, request.status) }));
    entries = compared.filter((c) => c.differences.length === 0).map((c) => c.entry);
    const countOk = entries.length >= count.min && (count.max === null || entries.length <= count.max);
    if (!countOk) {
      if (entries.length < count.min) {
        nearMisses = compared
          .map((c, index) => ({ ...c, index }))
          .filter((c) => c.differences.length > 0)
          .sort((a, b) => a.differences.length - b.differences.length || b.index - a.index)
          .slice(0, MAX_NEAR_MISSES)
          .map(({ entry, differences }) => ({ entry, differences }));
      }
      problems.push(describeCountFailure(expected, entries, nearMisses, ofOperation.length, source.entries));
    }
  }
  const warnings = expected.noWarnings ? source.entries.flatMap((e) => e.warnings.map((w) => ({ requestId: e.requestId, provider: e.provider, operation: e.operation, ...w }))) : [];
  if (warnings.length > 0) problems.push(describeWarnings(warnings));

  const ok = problems.length === 0;
  const message = ok ? `verified: ${describeExpectation(expected)}${request.operation === undefined ? '' : `, found ${entries.length}`}` : problems.join('\n');
  return { ok, message, expected, matched: entries.length, entries, nearMisses, warnings };
}

/** The journal's entries that pass a filter, oldest first; `params` are matched as verify matches them. */
export function selectRequests(entries: readonly JournalEntry[], filter: RequestFilter = {}): JournalEntry[] {
  const parsed = requestFilterSchema.safeParse(filter);
  if (!parsed.success) throw new VerifyInputError(`invalid request filter: ${describeIssues(parsed.error)}`);
  const { params, limit, since, until, ...equal } = parsed.data;
  const expected = (redactParams(params ?? {}) ?? {}) as Record<string, unknown>;
  const after = since === undefined ? -Infinity : Date.parse(since);
  const before = until === undefined ? Infinity : Date.parse(until);
  const selected = entries.filter(
    (e) =>
      Object.entries(equal).every(([key, value]) => value === undefined || e[key as keyof typeof equal] === value) &&
      Date.parse(e.time) >= after &&
      Date.parse(e.time) < before &&
      differencesOf(e, expected, undefined).length === 0,
  );
  return limit === undefined ? selected : selected.slice(Math.max(0, selected.length - limit));
}

function differencesOf(entry: JournalEntry, params: Record<string, unknown>, status: number | undefined): Difference[] {
  const recorded = entry.params ?? {};
  const differences: Difference[] = [];
  if (status !== undefined && entry.status !== status) differences.push({ field: '(status)', expected: status, actual: entry.status, sent: true });
  for (const [field, value] of Object.entries(params)) {
    const sent = Object.hasOwn(recorded, field);
    if (!matches(value, recorded[field])) differences.push({ field, expected: value, actual: sent ? recorded[field] : undefined, sent });
  }
  return differences;
}

const show = (value: unknown) => cut(JSON.stringify(value) ?? 'undefined', 300);

function describeCount({ min, max }: { min: number; max: number | null }): string {
  if (max === 0) return 'no';
  if (max === null) return min === 1 ? 'at least one' : `at least ${min}`;
  if (min === max) return `exactly ${min}`;
  return min === 0 ? `at most ${max}` : `between ${min} and ${max}`;
}

function describeExpectation(expected: VerifyResult['expected']): string {
  if (expected.operation === null) return 'no contract warnings';
  const params = Object.keys(expected.params).length > 0 ? ` with ${show(expected.params)}` : '';
  const status = expected.status === null ? '' : ` answered ${expected.status}`;
  return `${describeCount(expected.count)} ${expected.provider} ${expected.operation} request${params}${status}${expected.noWarnings ? ', and no contract warnings' : ''}`;
}

function describeEntry(entry: JournalEntry): string {
  return `${entry.requestId} at ${entry.time}, answered ${entry.status}${entry.errorCode ? ` ${entry.errorCode}` : ''}`;
}

function describeCountFailure(expected: VerifyResult['expected'], entries: readonly JournalEntry[], nearMisses: readonly NearMiss[], ofOperation: number, all: readonly JournalEntry[]): string {
  const lines = [`expected ${describeExpectation({ ...expected, noWarnings: false })}, found ${entries.length}`];
  for (const entry of entries) lines.push(`  matched: ${describeEntry(entry)}`);
  if (ofOperation === 0) {
    const recorded = new Map<string, number>();
    for (const e of all) recorded.set(`${e.provider} ${e.operation ?? '(no operation)'}`, (recorded.get(`${e.provider} ${e.operation ?? '(no operation)'}`) ?? 0) + 1);
    lines.push(
      recorded.size === 0
        ? `no ${expected.operation} request is in the journal, which is empty`
        : `no ${expected.operation} request is in the journal; it holds ${[...recorded].map(([what, n]) => `${what} x${n}`).join(', ')}`,
    );
  } else if (nearMisses.length > 0) {
    lines.push(`nearest misses (of ${ofOperation} ${expected.operation} request${ofOperation === 1 ? '' : 's'} in the journal):`);
    nearMisses.forEach(({ entry, differences }, i) => {
      lines.push(`  ${i + 1}. ${describeEntry(entry)}: ${differences.length} difference${differences.length === 1 ? '' : 's'}`);
      for (const d of differences) lines.push(`       ${d.field}: expected ${show(d.expected)}, ${d.sent ? `got ${show(d.actual)}` : 'not sent'}`);
    });
  }
  return lines.join('\n');
}

function describeWarnings(warnings: readonly WarningOf[]): string {
  const lines = [`expected no contract warnings, found ${warnings.length}:`];
  for (const w of warnings.slice(0, 20)) lines.push(`  ${w.provider} ${w.operation} ${w.requestId}: ${w.message}`);
  if (warnings.length > 20) lines.push(`  ...and ${warnings.length - 20} more`);
  return lines.join('\n');
}
