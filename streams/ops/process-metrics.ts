// The process's own metrics, served by `node bin/deployer` beside its streams' (an embedder has
// its own process to measure): prom-client's defaults (memory, CPU, handles, GC), and how much of
// V8's heap is compiled code. That part grows for the first hour or so of a deployer's life, as
// function after function, run a few times a minute, becomes hot enough for the JIT to compile,
// then levels off: it tells that warm-up from a leak of the deployer's own objects.

import { getHeapCodeStatistics } from 'node:v8';
import { collectDefaultMetrics, Gauge, type Registry } from 'prom-client';

/** Registers the process's metrics in `registry`: once per process. */
export function collectProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'sdp_slurmdeploy_v8_code_bytes',
    help: "V8's heap taken by compiled code (kind=machine: the JIT's code with its deoptimization and relocation data; kind=bytecode: bytecode and its metadata)",
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      const statistics = getHeapCodeStatistics();
      this.set({ kind: 'machine' }, statistics.code_and_metadata_size);
      this.set({ kind: 'bytecode' }, statistics.bytecode_and_metadata_size);
    },
  });
}
