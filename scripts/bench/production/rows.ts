// The production rows of the bench: issue 19's figures on the real rate-limited releases, each
// against a baseline taken in the same run (the bucket's floor, one full job list's bytes and CPU,
// slurmrestd's RSS without the deployer, an idle slurmctld), with the issue's "Done when" targets.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChild } from '../child.js';
import type { Impl } from '../cli.js';
import { row, type Row } from '../report.js';
import type { Target } from '../targets.js';
import type { BurstRun } from './burst-run.js';
import type { ForeignRun } from './foreign-run.js';
import type { ProductionOptions } from './options.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const atMost = (limit: number, unit = ''): Target => ({ text: `<= ${limit}${unit}`, pass: (v) => v <= limit });
const zero: Target = { text: '= 0', pass: (v) => v === 0 };
const MB = 1024 * 1024;

const top = (counts: Readonly<Record<string, number>>, n = 4) =>
  Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${k.replace(/^REQUEST_/, '')} ${v}`)
    .join(', ');

export function burstRows(impl: string, r: BurstRun): Row[] {
  const base = { section: 'production' as const, impl, n: r.n };
  const m = (measure: string) => `burst ${r.release}: ${measure}`;
  const pollTarget = 2 * r.pollIntervalS + 5;
  const perCancel = r.cancelRpcs / r.n;
  return [
    row({ ...base, measure: m('duplicate jobs created (Slurm, cancelled included)'), value: r.duplicates.length, unit: '', status: 'measured', ...(r.duplicates.length > 0 ? { note: r.duplicates.slice(0, 3).join('; ') } : {}) }, zero),
    row({ ...base, measure: m('deployments FAILED'), value: r.failed.length, unit: '', status: 'measured', ...(r.failed.length > 0 ? { note: r.failed.slice(0, 2).join('; ') } : {}) }, zero),
    row({ ...base, measure: m('floor: (N - bucket) / refill rate'), value: r.floorS, unit: 's', status: 'measured', note: `bucket ${r.bucket}` }, undefined),
    row({ ...base, measure: m('until every deployment had a job in Slurm'), value: r.allInSlurmS ?? Number.NaN, unit: 's', status: 'measured', note: r.allInSlurmS === undefined ? `${r.withoutJob} without a job at the bound` : `job ids all in the Config DB at ${r.allJobIdsWrittenS?.toFixed(0) ?? '-'} s` }, undefined),
    row({ ...base, measure: m('all in Slurm / floor'), value: (r.allInSlurmS ?? Number.NaN) / r.floorS, unit: '', status: 'measured' }, atMost(1.15)),
    row(
      { ...base, measure: m('longest gap between successful polls'), value: r.maxPollGapS, unit: 's', status: 'measured', note: `polls every ${r.pollIntervalS.toFixed(1)} s before the burst${r.loopIntervalS === undefined ? '' : ` (LOOP_INTERVAL ${r.loopIntervalS})`}` },
      atMost(Math.round(pollTarget * 10) / 10, ' s (2 intervals + 5 s)'),
    ),
    row({ ...base, measure: m('/healthz answers not 200 (one a second)'), value: r.healthBad, unit: '', status: 'measured', note: `of ${r.healthSamples}` }, zero),
    row({ ...base, measure: m('after the delete, until none active'), value: r.allCancelledS ?? Number.NaN, unit: 's', status: 'measured' }, undefined),
    row({ ...base, measure: m('all cancelled / floor'), value: (r.allCancelledS ?? Number.NaN) / r.floorS, unit: '', status: 'measured' }, atMost(1.15)),
    row(
      { ...base, measure: m("slurmctld RPCs per cancel (sdiag, the deployer's user)"), value: perCancel, unit: '', status: 'measured', note: `HTTP: ${top(r.httpCancelPhase)}; all users: ${top(r.cancelRpcsByType)}` },
      atMost(1.1),
    ),
    row(
      { ...base, measure: m('slurmctld RPCs per submit (sdiag)'), value: r.submitRpcs / r.n, unit: '', status: 'measured', note: `HTTP: ${top(r.httpSubmitPhase)}; ${r.submitsAbandoned} submits abandoned by the deployer` },
      undefined,
    ),
    row({ ...base, measure: m('rate-limit refusals (submit phase, delete phase)'), value: sum(r.refusalsSubmit) + sum(r.refusalsCancel), unit: '', status: 'measured', note: `${top(r.refusalsSubmit, 3) || 'none'} | ${top(r.refusalsCancel, 3) || 'none'}` }, undefined),
  ];
}

const sum = (counts: Readonly<Record<string, number>>) => Object.values(counts).reduce((a, b) => a + b, 0);

export function foreignRows(impl: string, r: ForeignRun): Row[] {
  const base = { section: 'production' as const, impl, n: r.foreign };
  const m = (measure: string) => `foreign ${r.release}: ${measure}`;
  const perHour = (r.steadyCpuRate - r.idleCpuRate) * 3600;
  const fullListsPerHour = 60 * r.fullListCpuS;
  return [
    row({ ...base, measure: m(`one full job list (${r.apiVersion})`), value: r.fullListBytes / MB, unit: 'MB', status: 'measured', note: `first byte ${r.fullListFirstByteS.toFixed(1)} s, all ${r.fullListS.toFixed(1)} s` }, undefined),
    row({ ...base, measure: m("the deployer's start, before the foreign load"), value: r.startupBytes / 1024, unit: 'KB', status: 'measured', note: `${top(r.startupCalls)}; then ${r.foreignAdded} foreign jobs added in ${r.fillS.toFixed(0)} s; throttled ${r.throttledAfterRunningS.toFixed(0)} s after all RUNNING` }, undefined),
    row({ ...base, measure: m('full job lists after the start-up (restart included)'), value: r.fullListsAfterStartup, unit: '', status: 'measured', note: `${(r.fullListBytesAfterStartup / MB).toFixed(1)} MB` }, zero),
    row(
      { ...base, measure: m('a clean restart in the steady state: bytes until its 3rd poll'), value: r.restart.bytes / MB, unit: 'MB', status: 'measured', note: `${r.restart.seconds.toFixed(0)} s, ${top(r.restart.calls)}; largest ${r.restart.largestCall.kind} ${(r.restart.largestCall.bytes / 1024).toFixed(0)} KB; ${r.restart.fullLists} full lists, ${r.restart.submits} submits, ${r.restart.stillRunning} still RUNNING` },
      undefined,
    ),
    row({ ...base, measure: m('bytes per steady poll'), value: r.bytesPerPoll / MB, unit: 'MB', status: 'measured', note: `${r.steadyPolls} polls in ${r.steadyS.toFixed(0)} s (one every ${(r.steadyS / r.steadyPolls).toFixed(1)} s): ${top(r.steadyCalls)}` }, undefined),
    row({ ...base, measure: m('steady poll / full list (bytes)'), value: r.bytesPerPoll / r.fullListBytes, unit: '', status: 'measured' }, atMost(0.02)),
    row({ ...base, measure: m('deployer peak RSS'), value: r.deployerPeakRssMB, unit: 'MB', status: 'measured', note: `${r.deployments} deployments RUNNING` }, { text: '< 150 MB', pass: (v) => v < 150 }),
    row({ ...base, measure: m("job's end -> Config DB p50"), value: r.latencyP50S, unit: 's', status: 'measured', note: `${r.latenciesS.length} jobs ended one at a time` }, undefined),
    row({ ...base, measure: m("job's end -> Config DB p95"), value: r.latencyP95S, unit: 's', status: 'measured', note: `max ${Math.max(...r.latenciesS).toFixed(1)} s` }, atMost(5, ' s')),
    row({ ...base, measure: m('slurmctld + slurmrestd CPU per hour, the deployer'), value: perHour, unit: 's/h', status: 'measured', note: `${r.steadyCpuRate.toFixed(4)} CPU s/s with it, ${r.idleCpuRate.toFixed(4)} without` }, undefined),
    row({ ...base, measure: m('slurmctld + slurmrestd CPU, one full list'), value: r.fullListCpuS, unit: 's', status: 'measured' }, undefined),
    row({ ...base, measure: m('deployer CPU per hour / one full list a minute'), value: perHour / fullListsPerHour, unit: '', status: 'measured' }, atMost(0.2)),
    row({ ...base, measure: m('slurmrestd RSS growth with the deployer'), value: r.restdRssPeakMB - r.restdRssBeforeMB, unit: 'MB', status: 'measured', note: `${r.restdRssBeforeMB.toFixed(0)} MB before, peak ${r.restdRssPeakMB.toFixed(0)} MB; rss/peak after: ${r.restdRssSteps.map((x) => `${x.step} ${x.rssMB.toFixed(0)}/${x.peakMB.toFixed(0)}`).join(', ')}` }, atMost(200, ' MB')),
    row({ ...base, measure: m('/healthz answers not 200 (steady)'), value: r.healthBad, unit: '', status: 'measured', note: `of ${r.healthSamples}` }, undefined),
  ];
}

export async function productionRows(impl: Impl, options: ProductionOptions, log: (line: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  const echo = (text: string) => process.stderr.write(text);
  const skipped = (measure: string, n: number, reason: string): Row => ({ section: 'production', measure, impl: impl.name, n, unit: '', status: 'skipped', note: reason });
  if (options.burst > 0) {
    for (const release of options.releases) {
      log(`production burst ${impl.name} ${release} N=${options.burst} ...`);
      // Submits and cancels at the bucket's rate each, with room for a deployer far slower.
      const budgetMs = 3_600_000 + 16 * options.burst * 1000;
      const result = await runChild<BurstRun>(path.join(here, 'burst-run.js'), [impl.distRoot, release, String(options.burst), options.burstLoopInterval], budgetMs, [], echo);
      log(`production burst ${impl.name} ${release}: ${result.ok ? 'done' : result.reason} in ${Math.round(result.wallMs / 1000)} s`);
      rows.push(...(result.ok ? burstRows(impl.name, result.value) : [skipped(`burst ${release}`, options.burst, result.reason)]));
    }
  }
  if (options.foreign > 0) {
    const o = options;
    log(`production foreign ${impl.name} ${o.foreignRelease} F=${o.foreign} ...`);
    const args = [impl.distRoot, o.foreignRelease, o.foreign, o.foreignDeployments, o.foreignSamples, o.foreignSteadyS, o.foreignIdleS, o.keepForeign ? 'keep-foreign' : 'clear'].map(String);
    const result = await runChild<ForeignRun>(path.join(here, 'foreign-run.js'), args, 4 * 3_600_000, [], echo);
    log(`production foreign ${impl.name}: ${result.ok ? 'done' : result.reason} in ${Math.round(result.wallMs / 1000)} s`);
    rows.push(...(result.ok ? foreignRows(impl.name, result.value) : [skipped(`foreign ${o.foreignRelease}`, o.foreign, result.reason)]));
  }
  return rows;
}
