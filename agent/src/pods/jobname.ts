// job_name of a pod: the first configured label present, else the owner's name, else the pod's name.
import type { Pod } from './pod.ts';

export function jobNameOf(pod: Pod, labelKeys: readonly string[]): string {
  for (const k of labelKeys) {
    const v = pod.labels[k];
    if (v) return v;
  }
  return pod.ownerName || pod.name;
}
