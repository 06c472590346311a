import { expect } from 'vitest';
import { callError, expectedMessage, expectedThrown, runtimeOf, type DasClient, type ErrorBody } from './clients.js';

/** Asserts the error a client threw: the cloud's code, message and HTTP status, exactly, and the runtime's error object field by field. */
export async function expectCloudError(client: DasClient, call: Promise<unknown>, code: string, status: number, message: string | RegExp) {
  const error = await callError(call);
  expect(error.code).toBe(code);
  expect(error.data.Code).toBe(code);
  if (typeof message === 'string') expect(error.data.Message).toBe(message);
  else expect(error.data.Message).toMatch(message);
  expect(error.data.RequestId).toMatch(/^[0-9A-F-]{36}$/);
  expect(error.data.HostId).toBe('das.cn-shanghai.aliyuncs.com');
  expect(error.data.Success).toBeUndefined();
  if (runtimeOf(client.kind) === 'openapi-client') expect(error.data.statusCode).toBe(status);
  // openapi-core keeps the status on the error, not in the body.
  if (runtimeOf(client.kind) === 'openapi-core') expect(error.data.statusCode).toBeUndefined();
  expect(error.message).toMatch(expectedMessage(client.kind, status, error.data as ErrorBody));
  const body: ErrorBody = {
    RequestId: error.data.RequestId,
    HostId: 'das.cn-shanghai.aliyuncs.com',
    Code: code,
    Message: error.data.Message,
    // As the cloud links its troubleshooting page of the request, the emulator links its own explanation.
    Recommend: expect.stringMatching(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/_emulator/requests/${error.data.RequestId}$`)) as unknown as string,
    ...(error.data.AccessDeniedDetail ? { AccessDeniedDetail: error.data.AccessDeniedDetail } : {}),
  };
  const { type, fields } = expectedThrown(client.kind, status, body);
  expect(error.thrown).toBeInstanceOf(type);
  expect({ ...error.thrown }).toEqual(fields);
  return error;
}

