/**
 * A request that does not keep to the vendor's contract for its operation, recorded in strict mode
 * only: the cloud would have answered it (it ignores what it does not define), so the wire answer
 * does not change, but a test can fail on it.
 */
export interface ContractWarning {
  readonly kind: 'unknown_parameter' | 'repeated_parameter';
  /** The parameter's name, never its value. */
  readonly parameter: string;
  /** Where it travelled. */
  readonly in: 'query' | 'form' | 'body';
  readonly message: string;
}

/** One request as the journal keeps it: what happened, never what was sent (no secrets). */
export interface JournalEntry {
  readonly time: string;
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  readonly provider: string | null;
  readonly operation: string | null;
  readonly status: number;
  readonly errorCode: string | null;
  /** Why the request was refused, as the log says it (secrets already redacted by whoever wrote it). */
  readonly detail: string | null;
  readonly durationMs: number;
  /** The fault rule that answered, if one did. */
  readonly faultRuleId: string | null;
  /** The operation's parameters as parsed, every secret `******`. */
  readonly params: Readonly<Record<string, unknown>> | null;
  /** AccessKeyId, AK or token user. */
  readonly caller: string | null;
  readonly instanceId: string | null;
  /** Kill tasks the request created (their outcomes: `GET /_emulator/requests/{id}`). */
  readonly taskIds: readonly string[];
  /** Other ids the answer handed out for later calls: a listing's ResultId, a registered DB user's db_user_id (a replay maps them). */
  readonly issuedIds: readonly string[];
  /** On a signature failure: the canonical request and string to sign the emulator computed. */
  readonly explanation: { readonly canonicalRequest?: string | undefined; readonly stringToSign?: string | undefined } | null;
  /** Strict mode: where the request left the vendor's contract (always empty without --strict). */
  readonly warnings: readonly ContractWarning[];
}

export interface JournalFilter {
  readonly provider?: string;
  readonly operation?: string;
  readonly status?: number;
  readonly instanceId?: string;
  /** Entries at or after / before this time (ISO 8601). */
  readonly since?: string;
  readonly until?: string;
  readonly limit?: number;
}

/** The last `capacity` requests, in memory, oldest first; a ring so a long run never grows it. */
export class Journal {
  private entries: JournalEntry[] = [];
  private start = 0;

  constructor(readonly capacity: number) {}

  append(entry: JournalEntry): void {
    if (this.capacity === 0) return;
    if (this.entries.length < this.capacity) {
      this.entries.push(entry);
    } else {
      this.entries[this.start] = entry;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  /** Matching entries, newest last; `limit` keeps the newest ones. */
  list(filter: JournalFilter = {}): JournalEntry[] {
    const ordered = [...this.entries.slice(this.start), ...this.entries.slice(0, this.start)];
    const since = filter.since === undefined ? -Infinity : Date.parse(filter.since);
    const until = filter.until === undefined ? Infinity : Date.parse(filter.until);
    const matching = ordered.filter(
      (e) =>
        (filter.provider === undefined || e.provider === filter.provider) &&
        (filter.operation === undefined || e.operation === filter.operation) &&
        (filter.status === undefined || e.status === filter.status) &&
        (filter.instanceId === undefined || e.instanceId === filter.instanceId) &&
        Date.parse(e.time) >= since &&
        Date.parse(e.time) < until,
    );
    return filter.limit === undefined ? matching : matching.slice(Math.max(0, matching.length - filter.limit));
  }

  /** The newest entry of a request id, in any letter case (Alibaba ids are upper-case UUIDs, Huawei's lower-case hex). */
  find(requestId: string): JournalEntry | undefined {
    const wanted = requestId.toLowerCase();
    return this.list().findLast((e) => e.requestId.toLowerCase() === wanted);
  }

  clear(): number {
    const cleared = this.entries.length;
    this.entries = [];
    this.start = 0;
    return cleared;
  }
}
