// One chaos run: opens the rig, runs the phases asked for, and returns the verdict table.

import { rateLimitedBurst } from './burst-phase.js';
import { openChaosRig } from './chaos-rig.js';
import { chainStorm } from './chain-phase.js';
import { Ledger, type Row } from './ledger.js';
import { outsidePrefixRow, plantOutside } from './outside-prefix.js';
import { compactionPastTheWatch, etcdRestart, fuzz, killStorm, slurmOutage, steady, type Say } from './phases.js';

export interface ChaosOptions {
  readonly deployments: number;
  /** Dependency chains a -> b -> c under kill -9 (chain-phase.ts); none: skipped. */
  readonly chains?: number;
  /** At most this many fuzz records (all by default). */
  readonly fuzzLimit?: number;
  /** Stop slurmrestd and slurmctld (under the shared outage lock). */
  readonly slurmOutages: boolean;
  readonly etcdRestart: boolean;
  readonly compaction: boolean;
  /** N deployments at once on each rate-limited release (24.11, 26.05), with kill -9s; none: skipped. */
  readonly burst?: { readonly deployments: number; readonly releases: readonly string[]; readonly killEveryS?: readonly [number, number] };
  /** Only the burst: no kill storm, fuzz, outages, compaction or etcd restart. */
  readonly burstOnly?: boolean;
  readonly say: Say;
}

export interface ChaosResult {
  readonly rows: readonly Row[];
  readonly kills: number;
  readonly starts: number;
  readonly deployments: number;
  /** Of them, in dependency chains of three. */
  readonly chains?: number;
  readonly fuzzRecords: number;
  readonly seconds: number;
  readonly dir: string;
  /** The table's first line, in place of the chaos run's (the soak's says what it ran). */
  readonly title?: string;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const started = Date.now();
  const rig = await openChaosRig();
  const ledger = new Ledger();
  const burstRows: Row[] = [];
  let burstKills = 0;
  let burstStarts = 0;
  const { say } = options;
  say(`chaos ${rig.tag}: logs in ${rig.dir}`);
  // Slurm forgets ended jobs after MinJobAge: the ledger keeps every job it saw.
  const sampler = setInterval(() => void rig.jobs().then((jobs) => ledger.observe(jobs), () => undefined), 5000);
  try {
    const outside = await plantOutside(rig.root(), rig.tag, rig.prefix);
    rig.deployer.start();
    rig.health.start();
    await steady(rig, 'at the start', 3000);
    const all = options.burstOnly !== true;
    if (all) {
      ledger.beginPhase();
      await killStorm(rig, ledger, { deployments: options.deployments, say });
      if ((options.chains ?? 0) > 0) {
        ledger.beginPhase();
        await chainStorm(rig, ledger, { chains: options.chains ?? 0, say });
      }
      ledger.beginPhase();
      await fuzz(rig, ledger, { ...(options.fuzzLimit === undefined ? {} : { limit: options.fuzzLimit }), say });
    }
    if (all && options.slurmOutages) {
      ledger.beginPhase();
      await slurmOutage(rig, ledger, 'slurmrestd', 10_000, say);
      ledger.beginPhase();
      await slurmOutage(rig, ledger, 'slurmctld', 25_000, say);
    }
    if (all && options.compaction) {
      ledger.beginPhase();
      await compactionPastTheWatch(rig, ledger, say);
    }
    for (const release of options.burst?.releases ?? []) {
      const outcome = await rateLimitedBurst(rig, { release, deployments: options.burst?.deployments ?? 0, ...(options.burst?.killEveryS === undefined ? {} : { killEveryS: options.burst.killEveryS }), say });
      burstRows.push(...outcome.rows);
      burstKills += outcome.kills;
      burstStarts += outcome.starts;
    }
    // Last: a deployer whose etcd client does not recover from the restart spoils what follows.
    if (all && options.etcdRestart) {
      ledger.beginPhase();
      await etcdRestart(rig, ledger, say);
    }
    const rows = [...(await ledger.verdict(rig)), ...burstRows, await outsidePrefixRow(rig.root(), outside)];
    return {
      rows,
      kills: rig.deployer.counts.kills + burstKills,
      starts: rig.deployer.counts.starts + burstStarts,
      deployments: ledger.valid.size,
      chains: ledger.chains.length,
      fuzzRecords: ledger.fuzz.length,
      seconds: Math.round((Date.now() - started) / 1000),
      dir: rig.dir,
    };
  } finally {
    clearInterval(sampler);
    await rig.close();
  }
}

export function formatTable(result: ChaosResult, detailLines = 5): string {
  const width = Math.max(...result.rows.map((r) => r.name.length));
  const lines = [
    result.title ?? `chaos: ${result.deployments} deployments${result.chains ? ` (${result.chains} chains of 3)` : ''}, ${result.fuzzRecords} fuzz records, ${result.kills} kill -9, ${result.starts} starts, ${result.seconds} s (logs: ${result.dir})`,
    `${'check'.padEnd(width)}  count`,
    ...result.rows.flatMap((r) => [`${r.name.padEnd(width)}  ${r.count}`, ...r.details.slice(0, detailLines).map((d) => `${' '.repeat(width)}    ${d}`)]),
  ];
  return lines.join('\n');
}
