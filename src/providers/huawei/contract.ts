import type { ContractWarning } from '../../journal.js';
import { contractWarnings } from '../contract-warnings.js';
import type { HuaweiOperation } from './operations/operation.js';

/**
 * Strict mode: query parameters and JSON body fields the operation's contract does not define,
 * and any given twice (a repeated query parameter, or a body key written twice, which JSON.parse
 * would silently settle for the last). Headers are not parameters; path parameters are the route's.
 */
export function huaweiContractWarnings(operation: HuaweiOperation, query: ReadonlyArray<readonly [string, string]>, body: string | undefined): ContractWarning[] {
  const defined = new Set([...Object.keys(operation.contract.query?.shape ?? {}), ...Object.keys(operation.contract.body?.shape ?? {})]);
  const names = [...query.map(([name]) => [name, 'query'] as const), ...(body === undefined ? [] : topLevelKeys(body).map((name) => [name, 'body'] as const))];
  return contractWarnings({ names, defined, operation: operation.name });
}

/**
 * The keys of a JSON object's top level, in order and with repeats, read from the text (the
 * parsed value has lost repeats). Anything that is not an object has none. Assumes valid JSON:
 * the caller has parsed it already.
 */
export function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let i = 0;
  // After `{` or `,` at depth 1 the next string is a key.
  let expectKey = false;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      const start = i;
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) {
        keys.push(JSON.parse(text.slice(start, i + 1)) as string);
        expectKey = false;
      }
    } else if (c === '{' || c === '[') {
      depth++;
      if (depth === 1) {
        if (c === '[') return [];
        expectKey = true;
      }
    } else if (c === '}' || c === ']') {
      depth--;
    } else if (c === ',' && depth === 1) {
      expectKey = true;
    }
    i++;
  }
  return keys;
}
