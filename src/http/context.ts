import type { ContractWarning } from '../journal.js';

/** What each request leaves behind for the access log: filled in by whichever adapter handles it. */
export interface RequestAudit {
  /** The request id as the adapter answered it (Alibaba upper-case, Huawei without dashes). */
  requestId?: string;
  provider?: string;
  operation?: string;
  errorCode?: string;
  /** Why a request was rejected (never a secret). */
  detail?: string;
  /** The fault rule that answered or delayed the request. */
  faultRuleId?: string;
  /** The operation's parameters as the adapter parsed them, every secret already `******`. */
  params?: Record<string, unknown>;
  /** Who asked: an AccessKeyId, an AK, or a token's user (never a secret). */
  caller?: string;
  instanceId?: string;
  /** Kill tasks the request created. */
  taskIds?: string[];
  /** Other ids the answer handed out for later calls (a listing's ResultId, a db_user_id). */
  issuedIds?: string[];
  /** On a signature failure, what the emulator computed (secrets redacted): to compare with the client's. */
  explanation?: { canonicalRequest?: string | undefined; stringToSign?: string | undefined };
  /** Strict mode: parameters the vendor does not define for the operation, or sent twice. */
  warnings?: ContractWarning[];
}

/** Hono environment shared by every route. */
export interface AppEnv {
  Variables: {
    requestId: string;
    audit: RequestAudit;
    /** A request `POST /_emulator/journal/replay` sends again: authentication is off for it (its secrets were redacted). */
    replay: boolean;
  };
}
