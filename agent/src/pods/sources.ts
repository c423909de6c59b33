// Picks the pod source --pods.source names.
import type { FlagValues } from '../config/flags.ts';
import { FilePodSource } from './file.ts';
import type { PodSource } from './pod.ts';

/**
 * Async because the apiserver source loads @kubernetes/client-node (tens of MB) and the kubelet
 * source Node's https and TLS (about 2 MB of RSS) only when chosen.
 */
export async function createPodSource(f: FlagValues, nodeName: string): Promise<PodSource> {
  switch (f['pods.source']) {
    case 'file': {
      const path = f['pods.file'] as string | undefined;
      if (!path) throw new Error('--pods.source=file needs --pods.file=<path to a JSON or YAML pod list>');
      return new FilePodSource(path);
    }
    case 'kubelet': {
      const { KubeletPodSource } = await import('./kubelet.ts');
      return new KubeletPodSource({
        url: f['pods.kubelet-url'] as string,
        tokenFile: (f['pods.kubelet-token-file'] as string) || undefined,
        insecureTls: f['pods.kubelet-insecure-tls'] as boolean,
        pollMs: f['pods.kubelet-poll-interval'] as number,
      }, nodeName);
    }
    case 'apiserver': {
      const { ApiServerPodSource, loadKubeConfig } = await import('./apiserver.ts');
      return new ApiServerPodSource(loadKubeConfig(f['pods.kubeconfig'] as string | undefined), nodeName);
    }
    default:
      throw new Error(`invalid --pods.source ${JSON.stringify(f['pods.source'])}: expected one of apiserver, kubelet, file`);
  }
}
