import type { ContractWarning } from '../../journal.js';
import { contractWarnings } from '../contract-warnings.js';
import type { AlibabaOperation } from './operations/operation.js';
import type { AlibabaRequest } from './request.js';

/**
 * The RPC gateway's common parameters: any Action may carry them (V1 signs with them; the Go
 * client adds RegionId and an empty SignatureType; STS credentials add SecurityToken).
 */
export const COMMON_PARAMETERS: ReadonlySet<string> = new Set([
  'Action',
  'Version',
  'Format',
  'AccessKeyId',
  'Signature',
  'SignatureMethod',
  'SignatureVersion',
  'SignatureNonce',
  'SignatureType',
  'Timestamp',
  'RegionId',
  'SecurityToken',
]);

/** Strict mode: query and form parameters the operation's schema does not define, and any given twice. */
export function alibabaContractWarnings(request: AlibabaRequest, operation: AlibabaOperation): ContractWarning[] {
  const defined = new Set([...COMMON_PARAMETERS, ...Object.keys(operation.params.shape)]);
  const names = [...request.query.map(([name]) => [name, 'query'] as const), ...request.form.map(([name]) => [name, 'form'] as const)];
  return contractWarnings({ names, defined, operation: operation.action });
}
