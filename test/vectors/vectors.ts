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

const all = JSON.parse(readFileSync(new URL('./signature-vectors.json', import.meta.url), 'utf8')) as {
  alibaba_v1: AlibabaV1Vector[];
  alibaba_v3: AlibabaV3Vector[];
};

export const alibabaV1Vectors = all.alibaba_v1;
export const alibabaV3Vectors = all.alibaba_v3;
