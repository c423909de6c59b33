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

function readFd(fd: number, single: boolean): string {
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
  return buffer.toString('latin1', 0, length);
}

/**
 * Reads a file that is read again and again through a cached descriptor (pread at offset 0).
 * `single`: the file is a sysfs attribute, complete after one read. Throws the fs error.
 */
export function readCached(path: string, single = false): string {
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
    const text = readFd(fd, single);
    cached.set(path, fd);
    return text;
  } catch (err) {
    closeSync(fd);
    throw err;
  }
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
    return readFd(fd, false);
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

/** Parses a non-negative decimal integer as the kernel prints it; undefined for anything else. */
export function parseCounter(text: string): number | undefined {
  const t = text.trim();
  return /^\d+$/.test(t) ? Number(t) : undefined;
}
