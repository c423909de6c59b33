// Synchronous reads of small procfs/sysfs files into one reused buffer. These files are generated
// by the kernel in microseconds, so a synchronous read is far cheaper than the promise machinery of
// fs.promises (open/fstat/read/close hops through the thread pool) on a path run every second.
import { closeSync, openSync, readSync, readdirSync, readlinkSync } from 'node:fs';

let buffer = Buffer.allocUnsafe(64 * 1024);

/**
 * Open descriptors of files read every tick. Re-reading a sysfs attribute or a procfs seq_file at
 * offset 0 makes the kernel generate it afresh, so one pread replaces open + read + read + close.
 * A device that goes away fails the read (ENODEV); the descriptor is then dropped and reopened.
 */
const cached = new Map<string, number>();
const MAX_CACHED_FDS = 768;

/** Reads the whole file into `buffer` (growing it as needed); returns the length read. */
function readFd(fd: number, single: boolean): number {
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      const bigger = Buffer.allocUnsafe(buffer.length * 2);
      buffer.copy(bigger, 0, 0, length);
      buffer = bigger;
    }
    const n = readSync(fd, buffer, length, buffer.length - length, length);
    if (n === 0) break;
    length += n;
    // A sysfs attribute (at most a page) comes whole from the first read.
    if (single && length < buffer.length) break;
  }
  return length;
}

/** Reads a file through its cached descriptor into `buffer`; returns the length. Throws the fs error. */
function readCachedInto(path: string, single: boolean): number {
  let fd = cached.get(path);
  if (fd !== undefined) {
    try {
      return readFd(fd, single);
    } catch {
      cached.delete(path);
      try {
        closeSync(fd);
      } catch {
        // already gone
      }
    }
  }
  fd = openSync(path, 'r');
  if (cached.size >= MAX_CACHED_FDS) {
    try {
      return readFd(fd, single);
    } finally {
      closeSync(fd);
    }
  }
  try {
    const length = readFd(fd, single);
    cached.set(path, fd);
    return length;
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/**
 * Reads a file that is read again and again through a cached descriptor (pread at offset 0).
 * `single`: the file is a sysfs attribute, complete after one read. Throws the fs error.
 */
export function readCached(path: string, single = false): string {
  return buffer.toString('latin1', 0, readCachedInto(path, single));
}

/** What readCachedCounter returns for an attribute that reads "N/A ..." (e.g. an IB port without PMA). */
export const NOT_AVAILABLE = -1;

function isSpaceByte(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13;
}

/**
 * Reads a sysfs counter attribute through its cached descriptor and parses the decimal integer
 * straight from the read buffer, without making a string (hundreds of these are read every
 * second). Returns undefined when the file cannot be read, NOT_AVAILABLE for "N/A...", and NaN
 * for any other content that is not a non-negative integer (read it with readCached to report it).
 */
export function readCachedCounter(path: string): number | undefined {
  let length: number;
  try {
    length = readCachedInto(path, true);
  } catch {
    return undefined;
  }
  let i = 0;
  while (i < length && isSpaceByte(buffer[i])) i++;
  if (length - i >= 3 && buffer[i] === 78 && buffer[i + 1] === 47 && buffer[i + 2] === 65) return NOT_AVAILABLE; // "N/A"
  const start = i;
  let value = 0;
  while (i < length && buffer[i] >= 48 && buffer[i] <= 57) value = value * 10 + (buffer[i++] - 48);
  const digits = i - start;
  while (i < length && isSpaceByte(buffer[i])) i++;
  if (digits === 0 || i !== length) return NaN;
  // Up to 15 digits accumulate exactly; longer counters round the way Number() rounds them.
  return digits <= 15 ? value : Number(buffer.toString('latin1', start, start + digits));
}

export function readCachedOrUndefined(path: string, single = false): string | undefined {
  try {
    return readCached(path, single);
  } catch {
    return undefined;
  }
}

/** Closes the cached descriptors of files under `dir` (a device that went away). */
export function dropCachedUnder(dir: string): void {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  for (const [path, fd] of cached) {
    if (path.startsWith(prefix)) {
      cached.delete(path);
      try {
        closeSync(fd);
      } catch {
        // already gone
      }
    }
  }
}

/** Reads a whole file (procfs reports size 0, so read until EOF). Throws the fs error. */
export function readText(path: string): string {
  const fd = openSync(path, 'r');
  try {
    return buffer.toString('latin1', 0, readFd(fd, false));
  } finally {
    closeSync(fd);
  }
}

/** Reads a file, or returns undefined when it does not exist or cannot be read (e.g. EINVAL on a down link's speed). */
export function readTextOrUndefined(path: string): string | undefined {
  try {
    return readText(path);
  } catch {
    return undefined;
  }
}

export function listDir(path: string): string[] {
  try {
    return readdirSync(path).sort();
  } catch {
    return [];
  }
}

export function readLinkOrUndefined(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}
