// Synchronous reads of small procfs/sysfs files into one reused buffer. These files are generated
// by the kernel in microseconds, so a synchronous read is far cheaper than the promise machinery of
// fs.promises (open/fstat/read/close hops through the thread pool) on a path run every second.
import { closeSync, openSync, readSync, readdirSync, readlinkSync } from 'node:fs';

let buffer = Buffer.allocUnsafe(64 * 1024);

/** Reads a whole file (procfs reports size 0, so read until EOF). Throws the fs error. */
export function readText(path: string): string {
  const fd = openSync(path, 'r');
  try {
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        const bigger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(bigger, 0, 0, length);
        buffer = bigger;
      }
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    return buffer.toString('latin1', 0, length);
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
