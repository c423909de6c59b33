// The pod model all pod sources produce, and the interface they share.

export interface Pod {
  namespace: string;
  name: string;
  uid: string;
  nodeName: string;
  labels: Record<string, string>;
  /** Name of the controlling owner (e.g. the Job), if any. */
  ownerName?: string;
  /** IB/RDMA device or interface names bound to the pod (file source only). */
  devices?: string[];
  /** A process of the pod, for its own interfaces (file source only). */
  pid?: number;
}

export interface PodSource {
  readonly name: string;
  /** Starts delivering full snapshots of this node's pods; errors go to onError and the source keeps trying. */
  start(onPods: (pods: Pod[]) => void, onError: (message: string) => void): Promise<void>;
  stop(): Promise<void>;
}

export function podKey(p: { namespace: string; name: string }): string {
  return `${p.namespace}/${p.name}`;
}

/** Converts a Kubernetes Pod object (apiserver or kubelet JSON) to the model. */
export function fromKubernetesPod(obj: any): Pod | undefined {
  const md = obj?.metadata;
  if (!md?.name) return undefined;
  const owner = (md.ownerReferences ?? []).find((o: any) => o.controller) ?? md.ownerReferences?.[0];
  return {
    namespace: md.namespace ?? 'default',
    name: md.name,
    uid: md.uid ?? '',
    nodeName: obj.spec?.nodeName ?? '',
    labels: md.labels ?? {},
    ownerName: owner?.name,
  };
}
