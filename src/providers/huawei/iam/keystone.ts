import type { Caller } from '../auth/authenticators.js';
import type { HuaweiIdentities } from '../auth/identities.js';

/** What an IAM (Keystone) route answers: a status and a JSON body, plus headers such as X-Subject-Token. */
export interface KeystoneResult {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Why a request was refused, for the log, the journal and x-emulator-error-detail. */
  readonly detail?: string;
}

/** Keystone's error body, which IAM keeps: `{"error":{"code","title","message"}}`. */
export const keystoneError = (status: 400 | 401 | 403 | 404, title: string, message: string, detail = message): KeystoneResult => ({ status, body: { error: { code: status, title, message } }, detail });

export interface KeystoneContext {
  readonly identities: HuaweiIdentities;
  /** Undefined only with `--auth off`. */
  readonly caller: Caller | undefined;
  readonly query: URLSearchParams;
  /** `scheme://host` as the client reached us, for Keystone's `links`. */
  readonly origin: string;
}

/** A read-only IAM route of the Keystone family, authenticated like the DAS routes. */
export interface KeystoneOperation {
  readonly name: string;
  readonly method: 'GET';
  readonly path: string;
  handle(context: KeystoneContext): KeystoneResult;
}

/** Keystone's collection `links`: this page only. */
export const collectionLinks = (origin: string, path: string, query: URLSearchParams) => {
  const text = query.toString();
  return { self: `${origin}${path}${text ? `?${text}` : ''}`, previous: null, next: null };
};

/** A region's name is its default project's name; a subproject `<region>_<suffix>` belongs to that region. */
export const regionOfProject = (projectName: string): string => projectName.split('_')[0]!;
