/**
 * Every error the emulated Huawei endpoints answer. DAS errors carry `error_code` and `error_msg`
 * (English, or Chinese with `X-Language: zh-cn`); gateway (APIGW) errors add `request_id` and
 * are English only, as the gateway is.
 */
export const DAS_ERRORS = {
  'DAS.200002': { status: 400, en: 'Frequent requests.', zh: '请求频繁。' },
  'DAS.200051': { status: 400, en: 'Authentication failed', zh: '鉴权失败' },
  'DAS.200100': { status: 400, en: 'The parameter is invalid.', zh: '参数错误。' },
  'DAS.200103': { status: 400, en: 'The offset parameter is invalid.', zh: 'offset参数错误。' },
  'DAS.200104': { status: 400, en: 'The limit parameter is invalid.', zh: 'limit参数错误。' },
  'DAS.200107': { status: 400, en: 'The datastore_type is invalid.', zh: 'datastore_type参数错误。' },
  'DAS.200108': { status: 400, en: 'The database value is invalid!', zh: 'database参数错误。' },
  'DAS.200112': { status: 400, en: 'The db_user_id value is invalid!', zh: 'db_user_id参数错误。' },
  'DAS.200113': { status: 400, en: 'The project_id parameter is invalid.', zh: 'project_id参数错误。' },
  'DAS.200114': { status: 400, en: 'The instance_id parameter is invalid.', zh: 'instance_id参数错误。' },
  'DAS.200001': { status: 500, en: 'Internal service error.', zh: '服务内部错误。' },
} as const satisfies Record<string, { status: number; en: string; zh: string }>;

export const GATEWAY_ERRORS = {
  'APIGW.0101': { status: 404, message: 'The API does not exist or has not been published in the environment.' },
  'APIGW.0201': { status: 400, message: 'API request error.' },
  'APIGW.0301': { status: 401, message: 'Incorrect IAM authentication information' },
  'APIGW.0302': { status: 403, message: 'The IAM user is not authorized to access the API.' },
  'APIGW.0308': { status: 429, message: 'The throttling threshold has been reached.' },
  'APIGW.0601': { status: 500, message: 'Internal server error.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type DasErrorCode = keyof typeof DAS_ERRORS;
export type GatewayErrorCode = keyof typeof GATEWAY_ERRORS;
export type Language = 'en' | 'zh';

/** A Huawei error on its way to the client. `detail` says why, for the log and x-emulator-error-detail only. */
export class HuaweiError extends Error {
  override readonly name = 'HuaweiError';
  constructor(
    readonly kind: 'das' | 'gateway',
    readonly code: DasErrorCode | GatewayErrorCode,
    readonly status: number,
    private readonly messages: { readonly en: string; readonly zh: string },
    readonly detail: string,
  ) {
    super(messages.en);
  }

  messageIn(language: Language): string {
    return this.messages[language];
  }
}

const das = (code: DasErrorCode, detail: string) => {
  const entry = DAS_ERRORS[code];
  return new HuaweiError('das', code, entry.status, entry, detail);
};

const gateway = (code: GatewayErrorCode, detail: string, message: string = GATEWAY_ERRORS[code].message, status: number = GATEWAY_ERRORS[code].status) =>
  new HuaweiError('gateway', code, status, { en: message, zh: message }, detail);

/** One constructor per cloud error, so call sites read like the catalog. */
export const huaweiErrors = {
  invalidParameter: (detail: string) => das('DAS.200100', detail),
  authenticationFailed: (detail: string) => das('DAS.200051', detail),
  invalidOffset: (detail: string) => das('DAS.200103', detail),
  invalidLimit: (detail: string) => das('DAS.200104', detail),
  invalidDatastoreType: (detail: string) => das('DAS.200107', detail),
  invalidDbUserId: (detail: string) => das('DAS.200112', detail),
  invalidProjectId: (detail: string) => das('DAS.200113', detail),
  invalidInstanceId: (detail: string) => das('DAS.200114', detail),
  internalError: (detail: string) => das('DAS.200001', detail),
  apiNotFound: (detail: string) => gateway('APIGW.0101', detail),
  badRequest: (detail: string) => gateway('APIGW.0201', detail),
  entityTooLarge: (detail: string) => gateway('APIGW.0201', detail, 'Request entity too large.', 413),
  /** The gateway's answer when DAS behind it cannot serve (here: another process keeps the data file locked). */
  backendUnavailable: (detail: string) => gateway('APIGW.0201', detail, 'Backend unavailable.', 502),
  /** 401 with the detail the cloud appends: `x-auth-token not found`, `ak <AK> not exist`, `verify aksk signature fail`, ... */
  iamAuthentication: (cloudDetail: string, detail: string = cloudDetail) =>
    gateway('APIGW.0301', detail, `${GATEWAY_ERRORS['APIGW.0301'].message}: ${cloudDetail}`),
  iamForbidden: (detail: string) => gateway('APIGW.0302', detail),
};

export const HUAWEI_ERROR_CODES: readonly string[] = [...Object.keys(DAS_ERRORS), ...Object.keys(GATEWAY_ERRORS)];

/** The error a status-only fault answers with: the catalog's closest code for that status. */
function codeForStatus(status: number): DasErrorCode | GatewayErrorCode {
  if (status >= 500) return 'DAS.200001';
  if (status === 429) return 'APIGW.0308';
  if (status === 401) return 'APIGW.0301';
  if (status === 403) return 'APIGW.0302';
  if (status === 404) return 'APIGW.0101';
  return 'DAS.200100';
}

/** What a fault rule asked for: a catalog error (under another status if the rule says so), or a status alone. */
export function injectedHuaweiError(answer: { code?: string; status?: number }, ruleId: string): HuaweiError {
  const code = (answer.code !== undefined && HUAWEI_ERROR_CODES.includes(answer.code) ? answer.code : codeForStatus(answer.status ?? 500)) as DasErrorCode | GatewayErrorCode;
  const detail = `injected by fault rule ${ruleId}`;
  if (Object.hasOwn(DAS_ERRORS, code)) {
    const entry = DAS_ERRORS[code as DasErrorCode];
    return new HuaweiError('das', code, answer.status ?? entry.status, entry, detail);
  }
  const entry = GATEWAY_ERRORS[code as GatewayErrorCode];
  return new HuaweiError('gateway', code, answer.status ?? entry.status, { en: entry.message, zh: entry.message }, detail);
}

export function languageOf(header: string | undefined): Language {
  return header?.trim().toLowerCase() === 'zh-cn' ? 'zh' : 'en';
}
