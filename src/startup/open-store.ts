import { existsSync, rmSync } from 'node:fs';
import { ConfigError } from '../config.js';
import { loadSecretKey, SecretBox } from '../secrets.js';
import { openDatabase, type Db } from '../store/database.js';
import { checkStoreFile, refuseDamagedWal, storeStartupError } from './check-store.js';
import { checkDataPath, dataOpenError } from './data-path.js';
import { lockDataFile } from './data-lock.js';
import { checkSecretKey } from './key-check.js';

export interface OpenStore {
  readonly db: Db;
  readonly secrets: SecretBox;
  /** Closes the data file and gives up its lock. */
  close(): void;
}

/**
 * Claims and opens the data file and the key for its sealed secrets, refusing with one line naming
 * the option at fault. Nothing is created beside a data path that is refused, and whatever was
 * opened or claimed before a failure is closed or given up again.
 */
export function openStore(config: { readonly data: string; readonly secretKey?: string | undefined }): OpenStore {
  checkDataPath(config.data);
  const lock = lockDataFile(config.data);
  let db: Db | undefined;
  try {
    if (config.data !== ':memory:') refuseDamagedWal(config.data);
    try {
      db = openDatabase(config.data);
    } catch (error) {
      throw storeStartupError(config.data, error) ?? dataOpenError(config.data, error);
    }
    checkStoreFile(db, config.data);
    let secrets: SecretBox;
    // A key file made by this start (the old one lost) goes again if it is refused, leaving the folder as it was.
    const madeKeyFile = config.secretKey === undefined && config.data !== ':memory:' && !existsSync(`${config.data}.key`);
    try {
      secrets = new SecretBox(loadSecretKey({ dataPath: config.data, envKey: config.secretKey }));
    } catch (error) {
      throw new ConfigError((error as Error).message);
    }
    try {
      checkSecretKey(db, secrets, { data: config.data, fromEnv: config.secretKey !== undefined });
    } catch (error) {
      if (madeKeyFile) rmSync(`${config.data}.key`, { force: true });
      throw error;
    }
    const opened = db;
    return {
      db: opened,
      secrets,
      close: () => {
        opened.close();
        lock.release();
      },
    };
  } catch (error) {
    db?.close();
    lock.release();
    throw error;
  }
}
