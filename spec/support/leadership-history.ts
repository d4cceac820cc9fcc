// What an HA run did, read from where it left traces: etcd's revision history (state writes and
// the leadership key), the replicas' JSON logs, and Slurm's jobs.

import type { Etcd3, IKeyValue } from 'etcd3';

export interface HistoryEvent {
  readonly revision: number;
  readonly type: 'put' | 'delete';
  readonly key: string;
  readonly kv: IKeyValue;
}

/**
 * Every change under `prefixes` from `fromRevision` on, in revision order. A marker key put under
 * each prefix ends its history (the audit ignores it).
 */
export async function historyOf(client: Etcd3, prefixes: readonly string[], fromRevision: number): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  for (const prefix of prefixes) {
    const marker = `${prefix}zz-history-marker`;
    const until = Number((await client.put(marker).value('')).header.revision);
    const watcher = await client.watch().prefix(prefix).startRevision(String(fromRevision)).create();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`history of ${prefix}: not caught up to ${until}`)), 20_000);
      watcher.on('data', (response) => {
        for (const event of response.events) {
          const revision = Number(event.kv.mod_revision);
          const key = event.kv.key.toString('utf8');
          if (key !== marker) events.push({ revision, type: String(event.type).toUpperCase() === 'PUT' ? 'put' : 'delete', key, kv: event.kv });
          if (revision >= until) {
            clearTimeout(timer);
            resolve();
          }
        }
      });
    });
    await watcher.cancel();
  }
  return events.sort((a, b) => a.revision - b.revision);
}

export interface WriteAudit {
  readonly writes: number;
  /** State writes at a revision where no replica held the leadership key. */
  readonly withoutLeader: readonly HistoryEvent[];
  /** The terms seen (create revisions of the leadership key), with their holders. */
  readonly terms: ReadonlyMap<number, string>;
}

/** Walks the history: every state write must fall within some term of the leadership key. */
export function auditWrites(events: readonly HistoryEvent[], leaderKey: string): WriteAudit {
  let holder: { replica: string; term: number } | undefined;
  const terms = new Map<number, string>();
  const withoutLeader: HistoryEvent[] = [];
  let writes = 0;
  for (const event of events) {
    if (event.key === leaderKey) {
      if (event.type === 'delete') holder = undefined;
      else {
        holder = { replica: event.kv.value.toString('utf8'), term: Number(event.kv.create_revision) };
        terms.set(holder.term, holder.replica);
      }
      continue;
    }
    if (!event.key.endsWith('/state')) continue;
    writes++;
    if (holder === undefined) withoutLeader.push(event);
  }
  return { writes, withoutLeader, terms };
}

export interface LogLine {
  readonly time: string;
  readonly message: string;
  readonly [field: string]: unknown;
}

export function logLines(output: string): LogLine[] {
  const lines: LogLine[] = [];
  for (const text of output.split('\n')) {
    if (!text.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(text) as LogLine);
    } catch {
      // a line cut by the end of the output
    }
  }
  return lines;
}

/** What a replica's log says it did while it did not lead (before its first term, or after one it lost). */
export function actsWhileNotLeading(lines: readonly LogLine[]): LogLine[] {
  const acts = new Set(['job submitted', 'job cancelled', 'state written', 'state removed']);
  let leading = false;
  const found: LogLine[] = [];
  for (const line of lines) {
    if (line.message === 'became leader') leading = true;
    else if (line.message === 'lost leadership') leading = false;
    else if (!leading && acts.has(line.message)) found.push(line);
  }
  return found;
}

export interface JobCount {
  readonly duplicates: readonly string[];
  readonly lost: readonly string[];
}

/** Per deployment, the jobs Slurm has of it (job name = deployment id): more than one, or none. */
export function countJobs(ids: readonly string[], jobNames: readonly string[]): JobCount {
  const counts = new Map<string, number>();
  for (const name of jobNames) counts.set(name, (counts.get(name) ?? 0) + 1);
  return { duplicates: ids.filter((id) => (counts.get(id) ?? 0) > 1), lost: ids.filter((id) => (counts.get(id) ?? 0) === 0) };
}
