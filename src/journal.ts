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
}

export interface JournalFilter {
  readonly provider?: string;
  readonly operation?: string;
  readonly status?: number;
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
    const matching = ordered.filter(
      (e) => (filter.provider === undefined || e.provider === filter.provider) && (filter.operation === undefined || e.operation === filter.operation) && (filter.status === undefined || e.status === filter.status),
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
