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
}

/** Hono environment shared by every route. */
export interface AppEnv {
  Variables: {
    requestId: string;
    audit: RequestAudit;
  };
}
