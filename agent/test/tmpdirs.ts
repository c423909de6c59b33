// Temp directories of a test file, removed when its process exits (node --test runs each file in
// its own process), so test runs do not pile up queue and VictoriaMetrics dirs in /tmp.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const dirs: string[] = [];
const beforeRemoval: Array<() => void> = [];

process.on('exit', () => {
  for (const fn of beforeRemoval) fn();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

export function removedAtExit(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** Runs fn (synchronously) at exit before the directories go, e.g. to kill a process using one. */
export function atExitBeforeRemoval(fn: () => void): void {
  beforeRemoval.push(fn);
}
