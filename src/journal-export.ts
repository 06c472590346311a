import { z } from 'zod';
import type { JournalEntry } from './journal.js';

/** What `GET /_emulator/journal/export` writes and `POST /_emulator/journal/replay` reads (docs/journal-export.md). */
export const EXPORT_FORMAT = 'das-emulator.journal';
export const EXPORT_VERSION = 1;

/**
 * A request as a replay sends it: rebuilt from the recorded parameters by the provider that
 * recorded them, so a bug report can be read and edited by hand. Values the journal redacted
 * stay `******` (see docs/journal-export.md for what a replay does with them).
 */
export const replayRequestSchema = z
  .object({
    method: z.string().regex(/^[A-Z]+$/, 'an upper-case HTTP method'),
    // A replay reaches the clouds' APIs only, never the control API (which would replay itself).
    path: z
      .string()
      .regex(/^\/[^?#]*$/, 'a path starting with "/", without query or fragment')
      .refine((p) => !p.startsWith('/_emulator'), 'a replay sends requests to the clouds\u2019 APIs, not to /_emulator'),
    query: z.record(z.string(), z.string()).default({}),
    /** An application/x-www-form-urlencoded body (Alibaba POST). */
    form: z.record(z.string(), z.string()).optional(),
    /** A JSON body (Huawei). */
    json: z.unknown().optional(),
  })
  .strict();
export type ReplayRequest = z.output<typeof replayRequestSchema>;

const exportEntrySchema = z.object({
  requestId: z.string().optional(),
  provider: z.enum(['alibaba', 'huawei']).nullable().optional(),
  operation: z.string().nullable().optional(),
  status: z.number().int().optional(),
  taskIds: z.array(z.string()).default([]),
  issuedIds: z.array(z.string()).default([]),
  /** `null`: the journal did not keep enough to send it again (`why` says what is missing). */
  request: replayRequestSchema.nullable(),
  why: z.string().optional(),
});

/** The replay body: an export document (its other fields, such as each entry's params, are read but not needed). */
export const exportDocumentSchema = z.object({
  format: z.literal(EXPORT_FORMAT),
  version: z.literal(EXPORT_VERSION),
  entries: z.array(exportEntrySchema).max(10_000, 'a replay sends at most 10000 entries: split the document'),
});
export type ExportDocument = z.input<typeof exportDocumentSchema>;
export type ExportEntry = z.output<typeof exportEntrySchema>;

/** How a provider rebuilds a journal entry into a request, and fills the secrets it can on replay. */
export interface ReplayCodec {
  /** The request to send again, or why it cannot be rebuilt. */
  rebuild(entry: JournalEntry): ReplayRequest | { readonly why: string };
  /** Puts back the `******` values it knows from the fixtures; names what it could not. */
  fillSecrets(request: ReplayRequest, passwordOf: (instanceId: string, user: string) => string | undefined): { request: ReplayRequest; redacted: string[] };
}
