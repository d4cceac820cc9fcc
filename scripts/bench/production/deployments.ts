// The run's deployments in the stack's etcd, laid out as ska-sdp-config stores them, below a
// global prefix of the run's own (nothing else on the shared etcd sees them).

import { Etcd3 } from 'etcd3';
import { deploymentKey, deploymentsKeyPrefix, statesKeyPrefix } from '../../../lib/configdb/paths.js';

export interface DeploymentStateValue {
  readonly status?: string;
  readonly job_id?: number;
  readonly reason?: string;
}

export class Deployments {
  readonly client: Etcd3;

  constructor(
    hosts: string,
    readonly prefix: string,
  ) {
    this.client = new Etcd3({ hosts });
  }

  /** Puts every deployment at once (`concurrency` puts in flight). */
  async put(ids: readonly string[], args: (id: string) => object, concurrency = 64): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < ids.length) {
        const id = ids[next++] as string;
        await this.client.put(deploymentKey(id, this.prefix)).value(JSON.stringify({ key: id, kind: 'slurm', args: args(id) }));
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
  }

  /** Deletes every deployment in one request (one watch response for the deployer). */
  async deleteAll(): Promise<void> {
    await this.client.delete().prefix(deploymentsKeyPrefix(this.prefix));
  }

  async states(): Promise<Map<string, DeploymentStateValue>> {
    const values = await this.client.getAll().prefix(statesKeyPrefix(this.prefix)).strings();
    const out = new Map<string, DeploymentStateValue>();
    for (const [key, value] of Object.entries(values)) {
      const id = /\/deploy\/([^/]+)\/state$/.exec(key)?.[1];
      if (id === undefined) continue;
      try {
        out.set(id, JSON.parse(value) as DeploymentStateValue);
      } catch {
        // not a state this bench reads
      }
    }
    return out;
  }

  /** Calls `onState` with each state written from now on. */
  async watchStates(onState: (id: string, state: DeploymentStateValue) => void): Promise<() => Promise<void>> {
    const watcher = await this.client.watch().prefix(statesKeyPrefix(this.prefix)).create();
    watcher.on('put', (kv) => {
      const id = /\/deploy\/([^/]+)\/state$/.exec(kv.key.toString())?.[1];
      if (id === undefined) return;
      try {
        onState(id, JSON.parse(kv.value.toString()) as DeploymentStateValue);
      } catch {
        // ignored
      }
    });
    return () => watcher.cancel();
  }

  /** Everything the run wrote below its prefix, at every depth (deployments, states, leader keys). */
  async removeAll(): Promise<void> {
    for (let depth = 1; depth <= 8; depth++) await this.client.delete().prefix(`${depth}${this.prefix}/`);
  }

  close(): void {
    this.client.close();
  }
}
