// An append-only, checksummed, size-bounded on-disk queue of records for one remote-write URL.
//
// Files in the queue directory:
//   <16-digit sequence>.seg  segments: SEGMENT_MAGIC, then records (see record.ts)
//   cursor.json              {"segment": n, "offset": o}: everything before it was acknowledged
// A record counts as accepted once it is written to its segment (the kernel holds it from then on,
// so it survives SIGKILL); fsyncIntervalMs bounds what a power loss can take.
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { frameRecord, parseRecord, SEGMENT_MAGIC, type RecordBody } from './record.ts';

export type DropReason = 'queue_full' | 'corrupt' | 'rejected' | 'staging_full' | 'disk_error' | 'invalid_sample';

export interface DiskQueueOptions {
  dir: string;
  maxBytes: number;
  fsyncIntervalMs: number;
  logger: Logger;
  onDrop: (reason: DropReason, samples: number) => void;
  onCorruptSegment?: () => void;
}

interface Segment {
  seq: number;
  file: string;
  bytes: number;
  unacked: number;
  readHandle?: FileHandle;
}

interface RecordRef {
  id: number;
  segment: Segment;
  offset: number;
  totalBytes: number;
  sampleCount: number;
  minTimestampMs: number;
  /** The record as appended, kept until it is acknowledged (within MAX_MEMORY_BYTES) so the shipper need not read it back. */
  body?: RecordBody;
}

export interface QueuedBatch {
  payloads: Buffer[];
  sampleCount: number;
  lastRecordId: number;
  minTimestampMs: number;
}

const SEGMENT_PATTERN = /^(\d{16})\.seg$/;
const CURSOR_FILE = 'cursor.json';
const ROLL_DELIVERED_SEGMENT_BYTES = 1024 * 1024;
/**
 * Appended records are also kept in memory up to this many payload bytes (a healthy agent's few
 * unsent ticks): sending them needs no read back from the segment. A backlog beyond it is read
 * from disk as before, so memory stays bounded during an outage.
 */
const MAX_MEMORY_BYTES = 4 * 1024 * 1024;

/**
 * mkdir -p, one level at a time: Node's recursive mkdir never returns for some paths
 * (e.g. under /proc, where mkdir answers ENOENT for a parent that exists).
 */
async function makeDirectories(dir: string): Promise<void> {
  const absolute = path.resolve(dir);
  try {
    await mkdir(absolute);
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    const parent = path.dirname(absolute);
    const parentExists = await stat(parent).then(() => true, () => false);
    if (code !== 'ENOENT' || parentExists || parent === absolute) throw error;
    await makeDirectories(parent);
  }
  await mkdir(absolute);
}

function segmentName(seq: number): string {
  return `${String(seq).padStart(16, '0')}.seg`;
}

export class DiskQueue {
  private readonly segments: Segment[] = [];
  private records: RecordRef[] = [];
  private head = 0;
  private nextRecordId = 1;
  private active!: Segment;
  private activeHandle!: FileHandle;
  private totalBytes = 0;
  private pendingSamples = 0;
  private serial: Promise<unknown> = Promise.resolve();
  private fsyncTimer: NodeJS.Timeout | undefined;
  private waiters: (() => void)[] = [];
  private closed = false;
  private readonly segmentBytes: number;
  private highestSeqSeen = 0;
  private memoryBytes = 0;

  private constructor(private readonly options: DiskQueueOptions) {
    this.segmentBytes = Math.min(64 * 1024 * 1024, Math.max(1, Math.ceil(options.maxBytes / 8)));
  }

  static async open(options: DiskQueueOptions): Promise<DiskQueue> {
    const queue = new DiskQueue(options);
    try {
      await makeDirectories(options.dir);
    } catch (error) {
      throw new Error(`remote-write queue directory "${options.dir}" cannot be created (${(error as Error).message}): give --remote-write.queue-dir a writable directory`);
    }
    try {
      await queue.replay();
    } catch (error) {
      throw new Error(`remote-write queue directory "${options.dir}" cannot be read (${(error as Error).message}): fix its permissions or give --remote-write.queue-dir another directory`);
    }
    try {
      await queue.startSegment(queue.highestSeqSeen + 1);
    } catch (error) {
      throw new Error(`remote-write queue directory "${options.dir}" is not writable (${(error as Error).message}): give --remote-write.queue-dir a writable directory`);
    }
    return queue;
  }

  /** Indexes what earlier runs left on disk, oldest first, skipping acknowledged and damaged data. */
  private async replay(): Promise<void> {
    const { dir, logger } = this.options;
    const cursor = await this.readCursor();
    this.highestSeqSeen = cursor.segment;
    const names = (await readdir(dir)).filter((name) => SEGMENT_PATTERN.test(name)).sort();
    for (const name of names) {
      const seq = Number(SEGMENT_PATTERN.exec(name)![1]);
      this.highestSeqSeen = Math.max(this.highestSeqSeen, seq);
      const file = path.join(dir, name);
      if (seq < cursor.segment) {
        await rm(file, { force: true });
        continue;
      }
      const data = await readFile(file);
      const segment: Segment = { seq, file, bytes: data.byteLength, unacked: 0 };
      if (data.byteLength < SEGMENT_MAGIC.byteLength || !data.subarray(0, SEGMENT_MAGIC.byteLength).equals(SEGMENT_MAGIC)) {
        logger.warn({ segment: file, bytes: data.byteLength }, 'remote-write queue: segment has no valid header; skipping the whole file');
        this.options.onCorruptSegment?.();
        await rm(file, { force: true });
        continue;
      }
      let offset = SEGMENT_MAGIC.byteLength;
      while (offset < data.byteLength) {
        const parsed = parseRecord(data, offset);
        if (!parsed.ok) {
          logger.warn(
            { segment: file, offset, skippedBytes: data.byteLength - offset, problem: parsed.problem },
            'remote-write queue: damaged segment; skipping the rest of it and keeping everything before',
          );
          this.options.onCorruptSegment?.();
          break;
        }
        if (seq > cursor.segment || offset >= cursor.offset) this.index(segment, offset, parsed.totalBytes, parsed.body);
        offset += parsed.totalBytes;
      }
      if (segment.unacked === 0) {
        await rm(file, { force: true });
        continue;
      }
      this.segments.push(segment);
      this.totalBytes += segment.bytes;
    }
    if (this.pendingSamples > 0) {
      logger.info(
        { dir, samples: this.pendingSamples, records: this.records.length, bytes: this.totalBytes },
        'remote-write queue: replaying samples left on disk before new data',
      );
    }
  }

  private async readCursor(): Promise<{ segment: number; offset: number }> {
    try {
      const cursor = JSON.parse(await readFile(path.join(this.options.dir, CURSOR_FILE), 'utf8'));
      if (Number.isInteger(cursor.segment) && Number.isInteger(cursor.offset)) return cursor;
      this.options.logger.warn({ dir: this.options.dir }, 'remote-write queue: cursor.json is malformed; replaying every segment');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.options.logger.warn({ dir: this.options.dir, err: (error as Error).message }, 'remote-write queue: cursor.json unreadable; replaying every segment');
      }
    }
    return { segment: 0, offset: 0 };
  }

  private index(segment: Segment, offset: number, totalBytes: number, body: RecordBody, keepInMemory = false): void {
    const keep = keepInMemory && this.memoryBytes + body.payload.byteLength <= MAX_MEMORY_BYTES;
    if (keep) this.memoryBytes += body.payload.byteLength;
    this.records.push({
      id: this.nextRecordId++,
      segment,
      offset,
      totalBytes,
      sampleCount: body.sampleCount,
      minTimestampMs: body.minTimestampMs,
      body: keep ? body : undefined,
    });
    segment.unacked++;
    this.pendingSamples += body.sampleCount;
  }

  /** Called for every record that leaves the queue (acknowledged or dropped). */
  private release(record: RecordRef): void {
    this.pendingSamples -= record.sampleCount;
    if (record.body) {
      this.memoryBytes -= record.body.payload.byteLength;
      record.body = undefined;
    }
  }

  private async startSegment(seq: number): Promise<void> {
    const file = path.join(this.options.dir, segmentName(seq));
    const handle = await open(file, 'wx');
    await handle.write(SEGMENT_MAGIC, 0, SEGMENT_MAGIC.byteLength, 0);
    await this.syncDirectory();
    this.activeHandle = handle;
    this.active = { seq, file, bytes: SEGMENT_MAGIC.byteLength, unacked: 0 };
    this.segments.push(this.active);
    this.totalBytes += this.active.bytes;
  }

  private async syncDirectory(): Promise<void> {
    const dirHandle = await open(this.options.dir, 'r');
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
  }

  private async rollSegment(): Promise<void> {
    await this.activeHandle.datasync();
    await this.activeHandle.close();
    const sealed = this.active;
    await this.startSegment(sealed.seq + 1);
    if (sealed.unacked === 0) await this.removeSegment(sealed);
  }

  /** Runs queue mutations one at a time, in call order. */
  private serialize<T>(task: () => Promise<T>): Promise<T> {
    const result = this.serial.then(task);
    this.serial = result.catch(() => undefined);
    return result;
  }

  /** Appends a record; resolves once it is in the segment file (and fsynced if the policy says so). */
  append(body: RecordBody): Promise<void> {
    return this.serialize(async () => {
      if (this.closed) throw new Error('remote-write queue is closed');
      const framed = frameRecord(body);
      const maxRecordBytes = this.options.maxBytes - SEGMENT_MAGIC.byteLength;
      if (framed.byteLength > maxRecordBytes) {
        this.options.logger.error(
          { dir: this.options.dir, recordBytes: framed.byteLength, maxQueueBytes: this.options.maxBytes, droppedSamples: body.sampleCount },
          'remote-write queue: one tick is larger than --remote-write.max-queue-bytes; dropped it: raise the limit',
        );
        this.options.onDrop('queue_full', body.sampleCount);
        return;
      }
      while (this.totalBytes + framed.byteLength > this.options.maxBytes) {
        if (this.segments[0] === this.active) await this.rollSegment();
        else await this.dropOldestSegment();
      }
      if (this.active.unacked > 0 && this.active.bytes + framed.byteLength > this.segmentBytes) await this.rollSegment();
      const offset = this.active.bytes;
      await this.activeHandle.write(framed, 0, framed.byteLength, offset);
      this.active.bytes += framed.byteLength;
      this.totalBytes += framed.byteLength;
      this.index(this.active, offset, framed.byteLength, body, true);
      if (this.options.fsyncIntervalMs === 0) await this.activeHandle.datasync();
      else this.scheduleFsync();
      this.wake();
    });
  }

  private scheduleFsync(): void {
    if (this.fsyncTimer) return;
    this.fsyncTimer = setTimeout(() => {
      this.fsyncTimer = undefined;
      void this.serialize(async () => {
        if (!this.closed) await this.activeHandle.datasync();
      }).catch((error) => this.options.logger.error({ err: (error as Error).message }, 'remote-write queue: fsync failed'));
    }, this.options.fsyncIntervalMs);
    this.fsyncTimer.unref();
  }

  private async dropOldestSegment(): Promise<void> {
    const oldest = this.segments[0]!;
    let droppedSamples = 0;
    let droppedRecords = 0;
    let oldestTimestampMs = Infinity;
    while (this.head < this.records.length && this.records[this.head]!.segment === oldest) {
      const record = this.records[this.head++]!;
      droppedSamples += record.sampleCount;
      droppedRecords++;
      oldestTimestampMs = Math.min(oldestTimestampMs, record.minTimestampMs);
      this.release(record);
    }
    oldest.unacked = 0;
    await this.removeSegment(oldest);
    this.compact();
    if (droppedSamples > 0) {
      this.options.logger.warn(
        {
          dir: this.options.dir,
          droppedSamples,
          droppedTicks: droppedRecords,
          oldestDroppedSample: new Date(oldestTimestampMs).toISOString(),
          maxQueueBytes: this.options.maxBytes,
        },
        'remote-write queue full: dropped the oldest queued samples',
      );
      this.options.onDrop('queue_full', droppedSamples);
      await this.writeCursor();
    }
  }

  private async removeSegment(segment: Segment): Promise<void> {
    const index = this.segments.indexOf(segment);
    if (index >= 0) this.segments.splice(index, 1);
    this.totalBytes -= segment.bytes;
    await segment.readHandle?.close();
    segment.readHandle = undefined;
    await rm(segment.file, { force: true });
  }

  private compact(): void {
    if (this.head > 4096 && this.head * 2 > this.records.length) {
      this.records = this.records.slice(this.head);
      this.head = 0;
    }
  }

  /** Reads unacknowledged records from the oldest on, up to maxSamples (always at least one record). */
  peek(maxSamples: number): Promise<QueuedBatch | null> {
    return this.serialize(async () => {
      const batch: QueuedBatch = { payloads: [], sampleCount: 0, lastRecordId: 0, minTimestampMs: Infinity };
      for (let i = this.head; i < this.records.length; i++) {
        const record = this.records[i]!;
        if (batch.payloads.length > 0 && batch.sampleCount + record.sampleCount > maxSamples) break;
        const body = record.body ?? (await this.readRecord(record));
        batch.lastRecordId = record.id;
        if (!body) continue;
        batch.payloads.push(Buffer.from(body.payload));
        batch.sampleCount += body.sampleCount;
        batch.minTimestampMs = Math.min(batch.minTimestampMs, body.minTimestampMs);
      }
      return batch.lastRecordId === 0 ? null : batch;
    });
  }

  private async readRecord(record: RecordRef): Promise<RecordBody | null> {
    const segment = record.segment;
    let problem: string;
    try {
      segment.readHandle ??= await open(segment.file, 'r');
      const buffer = Buffer.allocUnsafe(record.totalBytes);
      const { bytesRead } = await segment.readHandle.read(buffer, 0, record.totalBytes, record.offset);
      const parsed = parseRecord(buffer.subarray(0, bytesRead), 0);
      if (parsed.ok) return parsed.body;
      problem = parsed.problem;
    } catch (error) {
      problem = (error as Error).message;
    }
    this.options.logger.error(
      { segment: segment.file, offset: record.offset, problem, droppedSamples: record.sampleCount },
      'remote-write queue: record damaged or removed on disk since it was written; dropped it',
    );
    this.options.onDrop('corrupt', record.sampleCount);
    return null;
  }

  /** Marks every record up to lastRecordId as delivered (or deliberately dropped) and frees disk. */
  ack(lastRecordId: number): Promise<void> {
    return this.serialize(async () => {
      const emptied: Segment[] = [];
      while (this.head < this.records.length && this.records[this.head]!.id <= lastRecordId) {
        const record = this.records[this.head++]!;
        this.release(record);
        if (--record.segment.unacked === 0 && record.segment !== this.active) emptied.push(record.segment);
      }
      this.compact();
      await this.writeCursor();
      for (const segment of emptied) await this.removeSegment(segment);
      // Delivered data would otherwise sit in the active segment until it fills (up to 64 MiB).
      if (!this.closed && this.active.unacked === 0 && this.active.bytes >= ROLL_DELIVERED_SEGMENT_BYTES) await this.rollSegment();
    });
  }

  private async writeCursor(): Promise<void> {
    const next = this.records[this.head];
    const cursor = next
      ? { segment: next.segment.seq, offset: next.offset }
      : { segment: this.active.seq, offset: this.active.bytes };
    const file = path.join(this.options.dir, CURSOR_FILE);
    await writeFile(`${file}.tmp`, JSON.stringify(cursor));
    await rename(`${file}.tmp`, file);
  }

  /** Resolves when a record is appended (or the queue closes). */
  waitForData(): Promise<void> {
    if (this.head < this.records.length || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Releases waitForData() callers, e.g. so a stopping shipper can leave its loop. */
  wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  stats(): { bytes: number; pendingSamples: number; pendingRecords: number; oldestTimestampMs: number | null } {
    const oldest = this.records[this.head];
    return {
      bytes: this.totalBytes,
      pendingSamples: this.pendingSamples,
      pendingRecords: this.records.length - this.head,
      oldestTimestampMs: oldest ? oldest.minTimestampMs : null,
    };
  }

  close(): Promise<void> {
    return this.serialize(async () => {
      if (this.closed) return;
      this.closed = true;
      clearTimeout(this.fsyncTimer);
      await this.activeHandle.datasync();
      await this.activeHandle.close();
      for (const segment of this.segments) {
        await segment.readHandle?.close();
        segment.readHandle = undefined;
      }
      if (this.active.unacked === 0 && this.segments.length === 1) await this.removeSegment(this.active);
      this.wake();
    });
  }
}
