import { headerSafe, jsonResponse } from '../../http/json.js';
import type { AlibabaError } from './errors.js';

export const ALIBABA_HOST_ID = 'das.cn-shanghai.aliyuncs.com';

/**
 * The success envelope. `Code` is the number 200: the TypeScript SDK casts it to a number field.
 * A few operations (KillInstanceAllSession) have `Code` and `Success` as strings in their models:
 * `"200"` and `"true"` for them.
 */
export function successResponse(requestId: string, data: unknown, strings = false): Response {
  const body = strings ? { RequestId: requestId, Code: '200', Message: 'Successful', Success: 'true', Data: data } : { RequestId: requestId, Code: 200, Message: 'Successful', Success: true, Data: data };
  return jsonResponse(body, 200, { 'x-acs-request-id': requestId });
}

/**
 * The gateway error envelope: a string `Code`, no `Success`, no `Data`. The reason travels in a
 * header, and a throttling answer's retry delay in x-acs-retry-after. `Recommend` is, as in the
 * cloud, a link to the troubleshooting page of this request: here the emulator's own explanation
 * (`/_emulator/requests/<RequestId>`), since clients show `Recommend` but not the detail header.
 */
export function errorResponse(requestId: string, error: AlibabaError, origin: string): Response {
  const body = {
    RequestId: requestId,
    HostId: ALIBABA_HOST_ID,
    Code: error.code,
    Message: error.message,
    Recommend: `${origin}/_emulator/requests/${requestId}`,
    ...(error.accessDeniedDetail ? { AccessDeniedDetail: error.accessDeniedDetail } : {}),
  };
  return jsonResponse(body, error.status, {
    'x-acs-request-id': requestId,
    // Integer milliseconds; the runtimes read it to back off (openapi-core's ThrottlingError.retryAfter).
    ...(error.retryAfterMs !== undefined ? { 'x-acs-retry-after': String(error.retryAfterMs) } : {}),
    'x-emulator-error-detail': headerSafe(error.detail),
  });
}
