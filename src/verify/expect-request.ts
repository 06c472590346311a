import { AssertionError } from 'node:assert';
import type { JournalEntry } from '../journal.js';
import type { VerifyInput } from './schema.js';
import type { VerifyResult } from './verify.js';

/** Anything that verifies: the object startEmulator() returns, or a RunningEmulator. */
export interface Verifiable {
  verify(expectation: VerifyInput): VerifyResult;
}

/**
 * Asserts that the journal holds the expected requests (see `verify`) and returns them; otherwise
 * throws node:assert's AssertionError whose message says what was expected and what the code sent
 * instead (the nearest misses, field by field), which vitest and jest print as the failure.
 */
export function expectRequest(emulator: Verifiable, expectation: VerifyInput): readonly JournalEntry[] {
  const result = emulator.verify(expectation);
  if (result.ok) return result.entries;
  // No actual/expected pair: values are compared after normalising ("false" is false), so a
  // runner's own diff of the raw values would show differences that are not there.
  const error = new AssertionError({ message: result.message, operator: 'expectRequest', stackStartFn: expectRequest });
  throw Object.assign(error, { verification: result });
}
