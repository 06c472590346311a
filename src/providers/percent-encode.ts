/** RFC 3986 encoding of UTF-8 bytes, as both Alibaba signature versions require: only A-Z a-z 0-9 - _ . ~ stay. */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export type Param = readonly [name: string, value: string];

/** Sorted by name in code-unit order (then by value, so duplicates are deterministic), each `enc(name)=enc(value)`. */
export function canonicalQuery(params: readonly Param[]): string {
  return [...params]
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([name, value]) => `${percentEncode(name)}=${percentEncode(value)}`)
    .join('&');
}
