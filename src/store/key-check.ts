import type { Db } from './database.js';

/** The stored fingerprint of the key that sealed the data file's secrets, and one sealed value to test a key on. */
export class KeyCheckStore {
  constructor(private readonly db: Db) {}

  stored(): string | undefined {
    return this.db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'secret_key_check'").get()?.value;
  }

  store(check: string): void {
    this.db.prepare("INSERT INTO meta (key, value) VALUES ('secret_key_check', ?) ON CONFLICT DO UPDATE SET value = excluded.value").run(check);
  }

  /** One sealed DB-user password, if any is stored (files written before the fingerprint existed). */
  anySealed(): string | undefined {
    return this.db.prepare<[], { sealed: string }>('SELECT password_sealed AS sealed FROM db_users LIMIT 1').get()?.sealed;
  }
}
