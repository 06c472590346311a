import { headerSafe, jsonResponse } from '../../http/json.js';
import { languageOf, type HuaweiError } from './errors.js';

/** Huawei request ids are 32 lower-case hex digits; the SDKs read them from X-Request-Id. */
export const huaweiRequestId = (uuid: string) => uuid.replace(/-/g, '').toLowerCase();

export function huaweiSuccess(requestId: string, body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return jsonResponse(body, status, { 'x-request-id': requestId, ...headers });
}

/** DAS errors: `{error_code, error_msg}`; gateway errors add `request_id`. The reason travels in a header. */
export function huaweiErrorResponse(requestId: string, error: HuaweiError, languageHeader: string | undefined): Response {
  const body =
    error.kind === 'gateway'
      ? { error_code: error.code, error_msg: error.messageIn('en'), request_id: requestId }
      : { error_code: error.code, error_msg: error.messageIn(languageOf(languageHeader)) };
  return jsonResponse(body, error.status, { 'x-request-id': requestId, 'x-emulator-error-detail': headerSafe(error.detail) });
}
