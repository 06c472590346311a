/**
 * The most of the server's string to sign that a signature error quotes. The largest legitimate
 * V1 string to sign (a kill naming a thousand 20-digit ids, each comma encoded twice) is about
 * 25 KB; past this a request could only be made to grow the answer (every '%' in a 1 MiB body
 * becomes '%2525'), so the rest is cut and a marker says how much.
 */
export const MAX_QUOTED_STRING_TO_SIGN = 32 * 1024;

/** The string to sign as a message quotes it: whole up to MAX_QUOTED_STRING_TO_SIGN characters, then cut with a marker. */
export function quoteStringToSign(stringToSign: string): string {
  // Callers after the message's fixed part alone call the message builder without a string.
  if (typeof stringToSign !== 'string' || stringToSign.length <= MAX_QUOTED_STRING_TO_SIGN) return `${stringToSign}`;
  return `${stringToSign.slice(0, MAX_QUOTED_STRING_TO_SIGN)} ...(cut by the emulator: ${stringToSign.length - MAX_QUOTED_STRING_TO_SIGN} more characters)`;
}

/**
 * Every error the emulated Alibaba endpoint can answer: code, HTTP status and the message the
 * cloud uses. Handlers throw these; one renderer turns them into the gateway envelope.
 */
export const ALIBABA_ERRORS = {
  MissingParameter: { status: 400, message: (name: string) => `The input parameter "${name}" that is mandatory for processing this request is not supplied.` },
  InvalidVersion: { status: 400, message: () => 'Specified parameter Version is not valid.' },
  'InvalidAction.NotFound': { status: 404, message: () => 'Specified api is not found, please check your url and method.' },
  'InvalidAccessKeyId.NotFound': { status: 404, message: () => 'Specified access key is not found.' },
  'InvalidAccessKeyId.Inactive': { status: 400, message: () => 'Specified access key is disabled.' },
  'InvalidTimeStamp.Format': { status: 400, message: () => 'Specified time stamp or date value is not well formatted.' },
  'InvalidTimeStamp.Expired': { status: 400, message: () => 'Specified time stamp or date value is expired.' },
  IncompleteSignature: { status: 400, message: (stringToSign?: string) => `The request signature does not conform to Aliyun standards.${stringToSign === undefined ? '' : ` server string to sign is:${quoteStringToSign(stringToSign)}`}` },
  SignatureDoesNotMatch: { status: 400, message: (stringToSign: string) => `Specified signature is not matched with our calculation. server string to sign is:${quoteStringToSign(stringToSign)}` },
  SignatureNonceUsed: { status: 400, message: () => 'Specified signature nonce was used already.' },
  NoPermission: { status: 403, message: () => 'You are not authorized to do this action.' },
  InvalidParams: { status: 400, message: () => 'The request parameters are invalid.' },
  // The gateway's answer to a body over its limit is undocumented (spec/alibaba-das.md): the
  // emulator's choice is HTTP 413 in the gateway envelope, a code clients read like any other.
  RequestEntityTooLarge: { status: 413, message: () => 'The request entity is too large.' },
  'Throttling.User': { status: 400, message: () => 'Request was denied due to user flow control.' },
  // The gateway's other flow-control codes. Their statuses are unconfirmed (the spec says "400?"):
  // 400 like Throttling.User, which is confirmed.
  'Throttling.Api': { status: 400, message: () => 'Request was denied due to api flow control.' },
  Throttling: { status: 400, message: () => 'Request was denied due to request throttling.' },
  InternalError: { status: 500, message: () => 'The request processing has failed due to some unknown error, exception or failure.' },
  ServiceUnavailable: { status: 503, message: () => 'The request has failed due to a temporary failure of the server.' },
} as const satisfies Record<string, { status: number; message: (...args: never[]) => string }>;

export type AlibabaErrorCode = keyof typeof ALIBABA_ERRORS;

/**
 * A throttling answer, as the clients classify it: @alicloud/openapi-core 1.0.8 throws
 * ThrottlingError (retryAfter from x-acs-retry-after) when the code contains "Throttling".
 */
export const isThrottlingCode = (code: AlibabaErrorCode): boolean => code.includes('Throttling');

/**
 * x-acs-retry-after (milliseconds) on a throttling answer whose fault rule names no retryAfterMs.
 * No vendor figure is published; DAS flow control is counted per second (QPS), so the next
 * window opens within one second.
 */
export const DEFAULT_RETRY_AFTER_MS = 1000;

export interface AccessDeniedDetail {
  readonly PolicyType: string;
  readonly AuthPrincipalOwnerId: string;
  readonly AuthPrincipalType: string;
  readonly AuthPrincipalDisplayName: string;
  readonly NoPermissionType: 'ExplicitDeny' | 'ImplicitDeny';
  readonly AuthAction: string;
  readonly EncodedDiagnosticMessage: string;
}

/**
 * A cloud error on its way to the client. `detail` says why, for the log and x-emulator-error-detail only.
 * Every throttling error carries a retry delay (for x-acs-retry-after); no other error does.
 */
export class AlibabaError extends Error {
  override readonly name = 'AlibabaError';
  readonly status: number;
  readonly retryAfterMs: number | undefined;
  constructor(
    readonly code: AlibabaErrorCode,
    message: string,
    readonly detail: string,
    readonly accessDeniedDetail?: AccessDeniedDetail,
    status: number = ALIBABA_ERRORS[code].status,
    retryAfterMs?: number,
  ) {
    super(message);
    this.status = status;
    this.retryAfterMs = isThrottlingCode(code) ? (retryAfterMs ?? DEFAULT_RETRY_AFTER_MS) : undefined;
  }
}

export const isAlibabaErrorCode = (code: string): code is AlibabaErrorCode => Object.hasOwn(ALIBABA_ERRORS, code);

/** The code a fault rule's answer carries: its catalog error, or for a status alone the catalog's closest code. */
export function injectedCode(answer: { code?: string; status?: number }): AlibabaErrorCode {
  return answer.code !== undefined && isAlibabaErrorCode(answer.code) ? answer.code : codeForStatus(answer.status ?? 500);
}

/** Whether a fault rule's answer throttles, so that it may name its x-acs-retry-after. */
export function injectedThrottling(answer: { code?: string; status?: number }): { code: AlibabaErrorCode; throttles: boolean } {
  const code = injectedCode(answer);
  return { code, throttles: isThrottlingCode(code) };
}

function codeForStatus(status: number): AlibabaErrorCode {
  if (status === 503) return 'ServiceUnavailable';
  if (status >= 500) return 'InternalError';
  if (status === 429) return 'Throttling.User';
  if (status === 403) return 'NoPermission';
  if (status === 404) return 'InvalidAction.NotFound';
  return 'InvalidParams';
}

/** One constructor per cloud error code, so call sites read like the catalog. */
export const alibabaErrors = {
  missingParameter: (name: string) => new AlibabaError('MissingParameter', ALIBABA_ERRORS.MissingParameter.message(name), `missing common parameter ${name}`),
  invalidVersion: (version: string) => new AlibabaError('InvalidVersion', ALIBABA_ERRORS.InvalidVersion.message(), `Version ${JSON.stringify(version)} is not 2020-01-16`),
  actionNotFound: (action: string) => new AlibabaError('InvalidAction.NotFound', ALIBABA_ERRORS['InvalidAction.NotFound'].message(), `unknown Action ${JSON.stringify(action)}`),
  accessKeyNotFound: (id: string) => new AlibabaError('InvalidAccessKeyId.NotFound', ALIBABA_ERRORS['InvalidAccessKeyId.NotFound'].message(), `AccessKeyId ${JSON.stringify(id)} is not in the fixtures`),
  accessKeyInactive: (id: string) => new AlibabaError('InvalidAccessKeyId.Inactive', ALIBABA_ERRORS['InvalidAccessKeyId.Inactive'].message(), `AccessKeyId ${JSON.stringify(id)} is Inactive`),
  timestampFormat: (detail: string) => new AlibabaError('InvalidTimeStamp.Format', ALIBABA_ERRORS['InvalidTimeStamp.Format'].message(), detail),
  timestampExpired: (detail: string) => new AlibabaError('InvalidTimeStamp.Expired', ALIBABA_ERRORS['InvalidTimeStamp.Expired'].message(), detail),
  incompleteSignature: (detail: string, stringToSign?: string) => new AlibabaError('IncompleteSignature', ALIBABA_ERRORS.IncompleteSignature.message(stringToSign), detail),
  signatureDoesNotMatch: (stringToSign: string, detail: string) => new AlibabaError('SignatureDoesNotMatch', ALIBABA_ERRORS.SignatureDoesNotMatch.message(stringToSign), detail),
  nonceUsed: (nonce: string) => new AlibabaError('SignatureNonceUsed', ALIBABA_ERRORS.SignatureNonceUsed.message(), `nonce ${JSON.stringify(nonce)} was seen within the last 15 minutes`),
  noPermission: (detail: AccessDeniedDetail) => new AlibabaError('NoPermission', ALIBABA_ERRORS.NoPermission.message(), `${detail.NoPermissionType} of ${detail.AuthAction} for ${detail.AuthPrincipalDisplayName}`, detail),
  invalidParams: (detail: string) => new AlibabaError('InvalidParams', ALIBABA_ERRORS.InvalidParams.message(), detail),
  entityTooLarge: (detail: string) => new AlibabaError('RequestEntityTooLarge', ALIBABA_ERRORS.RequestEntityTooLarge.message(), detail),
  internalError: (detail: string) => new AlibabaError('InternalError', ALIBABA_ERRORS.InternalError.message(), detail),
  serviceUnavailable: (detail: string) => new AlibabaError('ServiceUnavailable', ALIBABA_ERRORS.ServiceUnavailable.message(), detail),
  /** What a fault rule asked for: a catalog error (under another status if the rule says so), or a status alone. */
  injected: (answer: { code?: string; status?: number; retryAfterMs?: number }, ruleId: string) => {
    const code = injectedCode(answer);
    const message = (ALIBABA_ERRORS[code].message as (arg?: string) => string)('(injected)');
    return new AlibabaError(code, message, `injected by fault rule ${ruleId}`, undefined, answer.status ?? ALIBABA_ERRORS[code].status, answer.retryAfterMs);
  },
};
