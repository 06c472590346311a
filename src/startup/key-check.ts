import { sameSecret } from '../same-secret.js';
import { StartupError } from '../config.js';
import { SECRET_KEY_ENV, type SecretBox } from '../secrets.js';
import type { Db } from '../store/database.js';
import { KeyCheckStore } from '../store/key-check.js';

/**
 * Refuses to start with a key that cannot open the data file's sealed secrets: otherwise every call
 * using a registered DB user would answer 500 later. A file without sealed secrets takes any key
 * (nothing is lost) and records the new key's fingerprint.
 */
export function checkSecretKey(db: Db, secrets: SecretBox, source: { readonly data: string; readonly fromEnv: boolean }): void {
  const store = new KeyCheckStore(db);
  const check = secrets.keyCheck();
  const sealed = store.anySealed();
  if (sealed !== undefined && !matches(store.stored(), check, () => opens(secrets, sealed))) {
    const key = source.fromEnv ? SECRET_KEY_ENV : `the key file ${source.data}.key`;
    throw new StartupError(
      `${key}: this key cannot open the DB-user passwords sealed in ${source.data} by an earlier run; ` +
        `start with the key that run used${source.fromEnv ? '' : ` (set ${SECRET_KEY_ENV}, or restore its key file)`}, or with another data file`,
    );
  }
  store.store(check);
}

/** Compares with the stored fingerprint; a file from before fingerprints is tested on a sealed value instead. */
function matches(stored: string | undefined, check: string, fallback: () => boolean): boolean {
  if (stored === undefined) return fallback();
  return sameSecret(stored, check);
}

function opens(secrets: SecretBox, sealed: string): boolean {
  try {
    secrets.open(sealed);
    return true;
  } catch {
    return false;
  }
}
