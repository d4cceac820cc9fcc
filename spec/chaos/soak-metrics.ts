// Where a replica's memory is, read from its `/metrics` (prom-client's default metrics, which
// `node bin/deployer` registers): V8's heap, used and reserved, by space, and the memory outside
// it that JavaScript holds (buffers), and how much of the heap is compiled code. Beside the RSS,
// it tells a leak of objects from a heap that grew its reserve, from memory outside V8, or from
// the JIT compiling more of the program as it warms up.

export interface MemoryBreakdown {
  readonly heapUsedMB: number;
  readonly heapTotalMB: number;
  readonly newSpaceMB: number;
  readonly oldSpaceMB: number;
  readonly codeSpaceMB: number;
  readonly externalMB: number;
  /** V8's compiled code, machine code and bytecode with their metadata (sdp_slurmdeploy_v8_code_bytes): the JIT's warm-up. */
  readonly compiledCodeMB: number;
}

const MB = 1024 * 1024;

/** The breakdown a replica's `/metrics` gives; throws when it does not answer within `timeoutMs` or lacks a figure. */
export async function memoryOfMetrics(url: string, timeoutMs = 2000): Promise<MemoryBreakdown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return breakdownOf(await response.text());
}

/** The figures out of a Prometheus text exposition. */
export function breakdownOf(text: string): MemoryBreakdown {
  const value = (name: string, labels = '') => {
    const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
    const n = line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
    if (!Number.isFinite(n)) throw new Error(`no ${name}${labels} in the metrics`);
    return n / MB;
  };
  const space = (name: string) => value('nodejs_heap_space_size_total_bytes', `{space="${name}"}`);
  return {
    heapUsedMB: value('nodejs_heap_size_used_bytes'),
    heapTotalMB: value('nodejs_heap_size_total_bytes'),
    newSpaceMB: space('new'),
    oldSpaceMB: space('old'),
    codeSpaceMB: space('code'),
    externalMB: value('nodejs_external_memory_bytes'),
    compiledCodeMB: value('sdp_slurmdeploy_v8_code_bytes', '{kind="machine"}') + value('sdp_slurmdeploy_v8_code_bytes', '{kind="bytecode"}'),
  };
}
