// Picks the pod source --pods.source names.
import type { Logger } from 'pino';
import type { FlagValues } from '../config/flags.ts';
import { FilePodSource } from './file.ts';
import type { PodSource } from './pod.ts';

export function createPodSource(f: FlagValues, nodeName: string, logger: Logger): PodSource {
  switch (f['pods.source']) {
    case 'file': {
      const path = f['pods.file'] as string | undefined;
      if (!path) throw new Error('--pods.source=file needs --pods.file=<path to a JSON or YAML pod list>');
      return new FilePodSource(path);
    }
    case 'kubelet':
    case 'apiserver':
    default:
      throw new Error(`--pods.source=${f['pods.source']} is not available in this build yet; use file (${nodeName}, ${logger.level})`);
  }
}
