import { closeSync, existsSync, openSync, readSync, fstatSync } from 'node:fs';

/** What a write-ahead log holds that SQLite's recovery would silently drop. */
export interface WalDamage {
  /** The first frame (1-based) whose checksum or salt is wrong; SQLite ignores it and everything after. */
  readonly frame: number;
  readonly frames: number;
  /**
   * Transactions committed after the one that frame belongs to: acknowledged, complete, and lost.
   * (The damaged transaction itself may be a crash's torn last write, which SQLite rightly drops.)
   */
  readonly lostCommits: number;
}

const MAGIC_LE = 0x377f0682;
const MAGIC_BE = 0x377f0683;
const WAL_HEADER = 32;
const FRAME_HEADER = 24;

/** SQLite's WAL checksum over 8-byte chunks, continuing from `[s0, s1]`. */
function checksum(data: Buffer, bigEndian: boolean, s: [number, number]): [number, number] {
  let [s0, s1] = s;
  for (let i = 0; i + 8 <= data.length; i += 8) {
    const x0 = bigEndian ? data.readUInt32BE(i) : data.readUInt32LE(i);
    const x1 = bigEndian ? data.readUInt32BE(i + 4) : data.readUInt32LE(i + 4);
    s0 = (s0 + x0 + s1) >>> 0;
    s1 = (s1 + x1 + s0) >>> 0;
  }
  return [s0, s1];
}

/**
 * Reads `<data>-wal` as SQLite's recovery will, before the database is opened. Recovery replays
 * frames up to the first one whose checksum or salt is wrong and drops the rest without a word:
 * if whole transactions of this log were committed after the damaged one, acknowledged work would
 * vanish, so the caller refuses to start instead. A torn last transaction (a crash mid-write) is
 * what recovery is for, and passes. Undefined when there is no log or nothing would be lost.
 */
export function checkWal(dataPath: string): WalDamage | undefined {
  const path = `${dataPath}-wal`;
  if (!existsSync(path)) return undefined;
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size < WAL_HEADER) return undefined;
    const header = Buffer.alloc(WAL_HEADER);
    readSync(fd, header, 0, WAL_HEADER, 0);
    const magic = header.readUInt32BE(0);
    if (magic !== MAGIC_LE && magic !== MAGIC_BE) return undefined;
    const bigEndian = magic === MAGIC_BE;
    const pageSize = header.readUInt32BE(8) === 1 ? 65_536 : header.readUInt32BE(8);
    if (pageSize < 512 || pageSize > 65_536) return undefined;
    const salt1 = header.readUInt32BE(16);
    const salt2 = header.readUInt32BE(20);
    let sum = checksum(header.subarray(0, 24), bigEndian, [0, 0]);
    let valid = sum[0] === header.readUInt32BE(24) && sum[1] === header.readUInt32BE(28);
    const frameSize = FRAME_HEADER + pageSize;
    const frames = Math.floor((size - WAL_HEADER) / frameSize);
    const frame = Buffer.alloc(frameSize);
    let firstBad: number | undefined;
    // Commit frames of this log from the first bad frame on; the first of them ends the damaged transaction.
    let commitsFromBad = 0;
    for (let n = 0; n < frames; n++) {
      readSync(fd, frame, 0, frameSize, WAL_HEADER + n * frameSize);
      const ours = frame.readUInt32BE(8) === salt1 && frame.readUInt32BE(12) === salt2;
      const commit = frame.readUInt32BE(4) !== 0;
      if (valid) {
        sum = checksum(frame.subarray(FRAME_HEADER), bigEndian, checksum(frame.subarray(0, 8), bigEndian, sum));
        valid = ours && sum[0] === frame.readUInt32BE(16) && sum[1] === frame.readUInt32BE(20);
        if (!valid) {
          firstBad = n + 1;
          if (ours && commit) commitsFromBad++;
        }
      } else {
        firstBad ??= n + 1;
        // Frames of an older log generation carry other salts: SQLite never meant to replay them.
        if (ours && commit) commitsFromBad++;
      }
    }
    const lostCommits = commitsFromBad - 1;
    return firstBad !== undefined && lostCommits > 0 ? { frame: firstBad, frames, lostCommits } : undefined;
  } finally {
    closeSync(fd);
  }
}
