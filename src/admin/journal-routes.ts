import type { Hono } from 'hono';
import type { AppEnv } from '../http/context.js';
import { jsonResponse } from '../http/json.js';
import { exportDocumentSchema } from '../journal-export.js';
import type { Journal } from '../journal.js';
import { VERSION } from '../package.js';
import { verify, VerifyInputError, type VerifySource } from '../verify/verify.js';
import { exportJournal, replayEntries, type ReplayDeps } from './replay.js';
import { BadRequest, jsonBody, MAX_FIXTURES_BODY_BYTES, parse } from './request.js';

/**
 * A replay document holds at most what an export of a full journal does; 16 MiB (the fixtures'
 * limit) is room for a thousand entries with the journal's largest recorded parameters.
 */
export const MAX_REPLAY_BODY_BYTES = MAX_FIXTURES_BODY_BYTES;

export interface JournalRoutesOptions {
  readonly journal: Journal;
  readonly strict: boolean;
  readonly operations: VerifySource['operations'];
  readonly replay: Omit<ReplayDeps, 'find'>;
}

/** What a test asserts on the journal, and the journal taken away and brought back: verify, contract warnings, export, replay. */
export function addJournalRoutes(app: Hono<AppEnv>, options: JournalRoutesOptions): void {
  const { journal } = options;
  const operation = (c: { get(key: 'audit'): { operation?: string } }, name: string) => {
    c.get('audit').operation = name;
  };

  app.post('/verify', async (c) => {
    operation(c, 'Verify');
    let result;
    try {
      result = verify(await jsonBody(c), { entries: journal.list(), operations: options.operations });
    } catch (error) {
      if (error instanceof VerifyInputError) throw new BadRequest(error.message);
      throw error;
    }
    // A failed verification is the caller's answer, not a fault: 409 with what matched and the nearest misses.
    if (!result.ok) return jsonResponse({ error: { code: 'verification_failed', message: result.message }, ...result }, 409);
    return jsonResponse(result, 200);
  });

  app.get('/contract-warnings', (c) => {
    operation(c, 'ListContractWarnings');
    const warnings = journal.list().flatMap((e) => e.warnings.map((w) => ({ requestId: e.requestId, time: e.time, provider: e.provider, operation: e.operation, ...w })));
    return jsonResponse({ strict: options.strict, warnings }, 200);
  });

  app.get('/journal/export', (c) => {
    operation(c, 'ExportJournal');
    const document = exportJournal(journal.list(), options.replay.codecs, VERSION, new Date());
    return jsonResponse(document, 200, { 'content-disposition': 'attachment; filename="das-emulator-journal.json"' });
  });

  app.post('/journal/replay', async (c) => {
    operation(c, 'ReplayJournal');
    const document = parse(exportDocumentSchema, await jsonBody(c, { limit: MAX_REPLAY_BODY_BYTES }), 'journal document');
    const results = await replayEntries(document.entries, { ...options.replay, find: (id) => journal.find(id) });
    return jsonResponse({ replayed: results.filter((r) => r.skipped === undefined).length, skipped: results.filter((r) => r.skipped !== undefined).length, results }, 200);
  });
}
