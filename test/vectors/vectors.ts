import { readFileSync } from 'node:fs';

/** Known-answer vectors produced by the vendors' own clients (copied from the shared spec). */
export interface AlibabaV1Vector {
  id: string;
  access_key_id: string;
  access_key_secret: string;
  request: { method: string; host: string; path: string; query: string; headers: Record<string, string>; body: string };
  signed_params: Record<string, string>;
  canonical_request: string;
  string_to_sign: string;
  signature: string;
}

export interface AlibabaV3Vector extends Omit<AlibabaV1Vector, 'signed_params'> {
  decoded_query: Record<string, string>;
  signed_headers: string;
  hashed_payload: string;
  authorization: string;
}

export interface HuaweiVector {
  id: string;
  name: string;
  source: string;
  client_call?: string;
  note?: string;
  ak: string;
  sk: string;
  request: { method: string; host: string; path: string; query: string; headers: Record<string, string>; body: string };
  /** A repeated query name maps to an array of its values. */
  decoded_query: Record<string, string | string[]>;
  canonical_uri: string;
  canonical_query: string;
  signed_headers: string;
  payload_hash: string;
  canonical_request: string;
  string_to_sign: string;
  signature: string;
  authorization: string;
}

const all = JSON.parse(readFileSync(new URL('./signature-vectors.json', import.meta.url), 'utf8')) as {
  alibaba_v1: AlibabaV1Vector[];
  alibaba_v3: AlibabaV3Vector[];
  huawei_sdk_hmac_sha256: HuaweiVector[];
};

export const alibabaV1Vectors = all.alibaba_v1;
export const alibabaV3Vectors = all.alibaba_v3;
export const huaweiVectors = all.huawei_sdk_hmac_sha256;

/** ACS3-HMAC-SM3 vectors from the vendor's client (generate-sm3-vectors.mjs), and the SM3 standard's own examples. */
const sm3 = JSON.parse(readFileSync(new URL('./sm3-vectors.json', import.meta.url), 'utf8')) as {
  sm3_published: { source: string; input: string; sm3: string }[];
  alibaba_v3_sm3: AlibabaV3Vector[];
};

export const sm3Published = sm3.sm3_published;
export const alibabaSm3Vectors = sm3.alibaba_v3_sm3;
