// A FAKE kubelet PodResources gRPC server (v1.PodResourcesLister/List) on a unix socket.
import * as grpc from '@grpc/grpc-js';
import { podResourcesPackage } from '../src/binding/podresources.ts';

export interface FakePodResources {
  namespace: string;
  name: string;
  containers: Array<{ name: string; devices: Array<{ resource_name: string; device_ids: string[] }> }>;
}

export class FakePodResourcesServer {
  private server = new grpc.Server();
  pods: FakePodResources[] = [];
  calls = 0;

  constructor(readonly socketPath: string) {
    const pkg = podResourcesPackage() as any;
    this.server.addService(pkg.v1.PodResourcesLister.service, {
      List: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => {
        this.calls++;
        callback(null, { pod_resources: this.pods });
      },
    });
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.bindAsync(`unix://${this.socketPath}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve()));
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.tryShutdown(() => resolve()));
  }
}
