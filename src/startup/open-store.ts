import { ConfigError } from '../config.js';
import { loadSecretKey, SecretBox } from '../secrets.js';
import { openDatabase, type Db } from '../store/database.js';
import { checkDataPath, dataOpenError } from './data-path.js';

export interface OpenStore {
  readonly db: Db;
  readonly secrets: SecretBox;
  /** Closes the data file. */
  close(): void;
}

/**
 * Opens the data file and the key for its sealed secrets, refusing with one line naming the option
 * at fault. Nothing is created beside a data path that is refused, and whatever was opened before a
 * failure is closed again.
 */
export function openStore(config: { readonly data: string; readonly secretKey?: string | undefined }): OpenStore {
  checkDataPath(config.data);
  let db: Db;
  try {
    db = openDatabase(config.data);
  } catch (error) {
    throw dataOpenError(config.data, error);
  }
  try {
    let secrets: SecretBox;
    try {
      secrets = new SecretBox(loadSecretKey({ dataPath: config.data, envKey: config.secretKey }));
    } catch (error) {
      throw new ConfigError((error as Error).message);
    }
    return { db, secrets, close: () => db.close() };
  } catch (error) {
    db.close();
    throw error;
  }
}
