// pod uid → a pid of the pod, by finding the uid in /proc/<pid>/cgroup. The kubelet writes the uid
// with dashes (cgroupfs driver: .../pod6f1c2a7e-0000-...) or underscores (systemd driver:
// kubepods-pod6f1c2a7e_0000_....slice). Only run when a pod is bound, not per tick.
import { join } from 'node:path';
import { listDir, readTextOrUndefined } from '../collectors/fsread.ts';

export class PidResolver {
  private readonly cache = new Map<string, number>();

  constructor(private readonly procfs: string) {}

  resolve(uid: string): number | undefined {
    if (!uid) return undefined;
    const dashed = uid;
    const underscored = uid.replace(/-/g, '_');
    const cached = this.cache.get(uid);
    if (cached !== undefined) {
      const text = readTextOrUndefined(join(this.procfs, String(cached), 'cgroup'));
      if (text && (text.includes(dashed) || text.includes(underscored))) return cached;
      this.cache.delete(uid);
    }
    for (const entry of listDir(this.procfs)) {
      if (!/^\d+$/.test(entry)) continue;
      const text = readTextOrUndefined(join(this.procfs, entry, 'cgroup'));
      if (text && (text.includes(dashed) || text.includes(underscored))) {
        const pid = Number(entry);
        this.cache.set(uid, pid);
        return pid;
      }
    }
    return undefined;
  }

  forget(uid: string): void {
    this.cache.delete(uid);
  }
}
