// Client of the kubelet PodResources API (v1.PodResourcesLister/List) over its unix socket.
// The proto is declared inline (the subset of k8s.io/kubelet/pkg/apis/podresources/v1 we use) so
// the built agent needs no .proto file at run time.
import * as grpc from '@grpc/grpc-js';
import { fromJSON } from '@grpc/proto-loader';
import protobuf from 'protobufjs';

export const POD_RESOURCES_PROTO = `
syntax = "proto3";
package v1;
service PodResourcesLister {
  rpc List(ListPodResourcesRequest) returns (ListPodResourcesResponse) {}
}
message ListPodResourcesRequest {}
message ListPodResourcesResponse { repeated PodResources pod_resources = 1; }
message PodResources {
  string name = 1;
  string namespace = 2;
  repeated ContainerResources containers = 3;
}
message ContainerResources {
  string name = 1;
  repeated ContainerDevices devices = 2;
  repeated int64 cpu_ids = 3;
}
message ContainerDevices {
  string resource_name = 1;
  repeated string device_ids = 2;
}
`;

export interface PodDevices {
  namespace: string;
  name: string;
  /** resource name → device ids, over all containers. */
  resources: Map<string, string[]>;
}

export function podResourcesPackage(): grpc.GrpcObject {
  const root = protobuf.parse(POD_RESOURCES_PROTO, { keepCase: true }).root;
  return grpc.loadPackageDefinition(fromJSON(root.toJSON(), { keepCase: true, longs: String, defaults: true }));
}

export class PodResourcesClient {
  private readonly client: grpc.Client & { List: Function };

  constructor(readonly socketPath: string, private readonly timeoutMs = 2000) {
    const pkg = podResourcesPackage() as any;
    this.client = new pkg.v1.PodResourcesLister(`unix://${socketPath}`, grpc.credentials.createInsecure());
  }

  list(): Promise<PodDevices[]> {
    return new Promise((resolve, reject) => {
      this.client.List({}, { deadline: Date.now() + this.timeoutMs }, (err: grpc.ServiceError | null, res: any) => {
        if (err) {
          reject(new Error(`PodResources List on ${this.socketPath} failed: ${err.details || err.message} (is --binding.pod-resources-socket right and its directory mounted?)`));
          return;
        }
        resolve((res.pod_resources ?? []).map((p: any) => {
          const resources = new Map<string, string[]>();
          for (const c of p.containers ?? []) {
            for (const d of c.devices ?? []) {
              const list = resources.get(d.resource_name) ?? [];
              list.push(...(d.device_ids ?? []));
              resources.set(d.resource_name, list);
            }
          }
          return { namespace: p.namespace, name: p.name, resources };
        }));
      });
    });
  }

  close(): void {
    this.client.close();
  }
}
