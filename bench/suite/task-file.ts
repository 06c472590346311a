/**
 * The data files of the scale figures: one real task created through the CLI, then many copies of
 * it written straight through the store, with the file size recorded on the way.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { openDatabase, type Db } from '../../src/store/database.js';
import { TaskStore, type StoredTask } from '../../src/store/tasks.js';
import { expectOk, send } from './http-client.js';
import { startEmulatorProcess } from './processes.js';
import { ALIBABA, alibabaV3Signer } from './signers.js';

const BATCH = 5000;

/** One real task from the CLI, read back as stored: every bulk task is a copy of it with new ids and times. */
export async function templateTask(file: string): Promise<StoredTask> {
  const server = await startEmulatorProcess(['--data', file]);
  let taskId: unknown;
  try {
    const sign = alibabaV3Signer(server.url);
    const created = expectOk(
      await send(server.url, sign('CreateKillInstanceSessionTask', { InstanceId: ALIBABA.instance, DbUser: ALIBABA.dbUser, DbUserPassword: ALIBABA.dbPassword, KillAllSessions: 'false', SessionIds: '[101,102]' })),
      'CreateKillInstanceSessionTask',
    );
    taskId = created.Data;
  } finally {
    await server.stop();
  }
  if (typeof taskId !== 'string') throw new Error('the template task has no id');
  return withDb(file, (db) => {
    const task = new TaskStore(db).get(taskId as string);
    if (!task || task.results.length !== 2) throw new Error(`template task ${String(taskId)} was not stored with its two results`);
    return task;
  });
}

export function withDb<T>(file: string, work: (db: Db) => T): T {
  const db = openDatabase(file);
  try {
    return work(db);
  } finally {
    db.close();
  }
}

const fileBytes = (db: Db, file: string): number => {
  // Everything in the main file, so the size is comparable from point to point.
  db.pragma('wal_checkpoint(TRUNCATE)');
  return statSync(file).size;
};

/** Appends copies of the template, one per second of creation time ending now, recording the file size at the checkpoints. */
export function fill(file: string, template: StoredTask, total: number, checkpoints: readonly number[]): { ids: string[]; sizes: Array<{ tasks: number; bytes: number }>; insertMs: number } {
  return withDb(file, (db) => {
    const store = new TaskStore(db);
    const sizes = [{ tasks: 1, bytes: fileBytes(db, file) }];
    const ids: string[] = [];
    const start = Date.now() - total * 1000;
    let insertMs = 0;
    while (ids.length < total) {
      const batch: StoredTask[] = [];
      const end = Math.min(total, ids.length + BATCH, checkpoints.find((c) => c > ids.length) ?? total);
      for (let i = ids.length; i < end; i++) {
        const createdAt = start + i * 1000;
        const id = randomBytes(16).toString('hex');
        batch.push({ ...template, id, subTaskId: randomUUID(), createdAt, finishedAt: createdAt });
        ids.push(id);
      }
      insertMs += timedSync(() => store.insertAll(batch));
      if (checkpoints.includes(ids.length)) sizes.push({ tasks: ids.length + 1, bytes: fileBytes(db, file) });
    }
    return { ids, sizes, insertMs };
  });
}

export function timedSync(work: () => void): number {
  const start = performance.now();
  work();
  return performance.now() - start;
}
