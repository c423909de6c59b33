// The `file` pod source: JSON or YAML `{pods: [...]}` re-read when it changes (fs.watch on the
// directory, so editors' rename-on-save and Kubernetes ConfigMap symlink swaps are seen, plus a
// stat poll as a safety net). A broken file is reported and the last good list is kept.
import { readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { parseYamlOrJson as parseYaml } from '../config/yaml.ts';
import type { Pod, PodSource } from './pod.ts';

export function parsePodFile(text: string, path: string): Pod[] {
  let doc: any;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new Error(`--pods.file ${path} is not valid JSON/YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return [];
  if (typeof doc !== 'object' || !Array.isArray(doc.pods)) {
    throw new Error(`--pods.file ${path} must contain a "pods" list, e.g. "pods: [{namespace: train, name: worker-0, uid: ..., nodeName: node-1, labels: {monitor: high-frequency}}]"`);
  }
  return doc.pods.map((p: any, i: number) => {
    const where = `--pods.file ${path}: pods[${i}]`;
    if (typeof p !== 'object' || p === null) throw new Error(`${where} must be a mapping`);
    for (const field of ['namespace', 'name', 'nodeName']) {
      if (typeof p[field] !== 'string' || !p[field]) throw new Error(`${where} needs a non-empty string "${field}"`);
    }
    if (p.labels !== undefined && (typeof p.labels !== 'object' || p.labels === null || Array.isArray(p.labels))) {
      throw new Error(`${where}.labels must be a mapping of label names to values`);
    }
    if (p.devices !== undefined && (!Array.isArray(p.devices) || !p.devices.every((d: unknown) => typeof d === 'string'))) {
      throw new Error(`${where}.devices must be a list of device names, e.g. [mlx5_0, eth1]`);
    }
    if (p.pid !== undefined && (!Number.isInteger(p.pid) || p.pid <= 0)) {
      throw new Error(`${where}.pid must be a positive integer (a process of the pod)`);
    }
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(p.labels ?? {})) labels[k] = String(v);
    return {
      namespace: p.namespace,
      name: p.name,
      uid: typeof p.uid === 'string' ? p.uid : '',
      nodeName: p.nodeName,
      labels,
      ownerName: typeof p.ownerName === 'string' ? p.ownerName : undefined,
      devices: p.devices,
      pid: p.pid,
    } satisfies Pod;
  });
}

export class FilePodSource implements PodSource {
  readonly name = 'file';
  private watcher: FSWatcher | undefined;
  private poll: NodeJS.Timeout | undefined;
  private lastStamp = '';

  constructor(private readonly path: string, private readonly pollMs = 1000) {}

  async start(onPods: (pods: Pod[]) => void, onError: (message: string) => void): Promise<void> {
    const reload = () => {
      let stamp: string;
      try {
        const st = statSync(this.path);
        stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
      } catch (err) {
        stamp = 'missing';
        if (this.lastStamp !== stamp) {
          this.lastStamp = stamp;
          this.report(onError, `cannot read --pods.file ${this.path}: ${(err as NodeJS.ErrnoException).code}; keeping the last pod list`);
        }
        return;
      }
      if (stamp === this.lastStamp) return;
      this.lastStamp = stamp;
      try {
        const pods = parsePodFile(readFileSync(this.path, 'utf8'), this.path);
        onPods(pods);
      } catch (err) {
        this.report(onError, `${(err as Error).message}; keeping the last pod list`);
      }
    };
    reload();
    try {
      this.watcher = watch(dirname(this.path), (_event, file) => {
        if (!file || file === basename(this.path) || file.startsWith('..')) reload();
      });
      this.watcher.on('error', () => undefined);
    } catch {
      // The poll below still sees changes.
    }
    this.poll = setInterval(reload, this.pollMs);
  }

  private report(onError: (m: string) => void, message: string): void {
    onError(message);
  }

  async stop(): Promise<void> {
    this.watcher?.close();
    if (this.poll) clearInterval(this.poll);
  }
}
