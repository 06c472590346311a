/** What an operation does on an instance bound to a real MySQL server (the simulation does the same in SQLite). */
export type RealServerUse = 'kills sessions' | 'lists sessions' | 'logs in to check the account' | 'none';

/** One row of the supported-operations table: what the code routes, not what a document says. */
export interface OperationInfo {
  readonly provider: 'alibaba' | 'huawei';
  readonly operation: string;
  readonly method: string;
  readonly path: string;
  readonly signing: readonly string[];
  /** The RAM or IAM action checked, or null when none is. */
  readonly action: string | null;
  /** Fault rules can name it (`POST /_emulator/faults`). */
  readonly faults: boolean;
  readonly realServer: RealServerUse;
}
