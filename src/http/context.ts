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
  /** On a signature failure, what the emulator computed (secrets redacted): to compare with the client's. */
  explanation?: { canonicalRequest?: string | undefined; stringToSign?: string | undefined };
}

/** Hono environment shared by every route. */
export interface AppEnv {
  Variables: {
    requestId: string;
    audit: RequestAudit;
  };
}
