import { createHmac } from 'node:crypto';
import { canonicalQuery, percentEncode, type Param } from '../../percent-encode.js';

export interface V1Computation {
  readonly canonicalRequest: string;
  readonly stringToSign: string;
  readonly signature: string;
}

/**
 * Signature V1 (HMAC-SHA1): every query and form parameter but Signature, empty values kept,
 * sorted and encoded, then `METHOD&%2F&enc(canonical)`, keyed with `secret&`.
 */
export function computeV1(method: string, params: readonly Param[], secret: string): V1Computation {
  const canonicalRequest = canonicalQuery(params.filter(([name]) => name !== 'Signature'));
  const stringToSign = `${method.toUpperCase()}&${percentEncode('/')}&${percentEncode(canonicalRequest)}`;
  const signature = createHmac('sha1', `${secret}&`).update(stringToSign, 'utf8').digest('base64');
  return { canonicalRequest, stringToSign, signature };
}
