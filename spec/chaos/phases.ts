// The injections, one function each: kill -9 storms with deletions and args changes, Slurm
// outages, an etcd restart, a compaction past the watch, and the fuzz corpus. Each ends by
// waiting (bounded) for the deployer to settle, then declares a stretch of health it must show.

import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBetween, until, type ChaosRig } from './chaos-rig.js';
import { fuzzCorpus } from './fuzz-corpus.js';
import type { Ledger } from './ledger.js';

export type Say = (line: string) => void;

let changes = 0;
/** Each call gives args of their own (a counter in a comment): a change of args is always a change. */
const script = (seconds: number, version = 1) => JSON.stringify({ script: `#!/bin/bash\n# v${version} c${++changes}\nsleep ${seconds.toFixed(1)}\n` });
const value = (id: string, args: string) => `{"key":"${id}","kind":"slurm","args":${args}}`;

/** Waits until every deployment of the current phase is settled (bounded); returns whether all did. */
export async function settle(rig: ChaosRig, ledger: Ledger, timeoutMs: number, say: Say): Promise<boolean> {
  const started = Date.now();
  const ok = await until(async () => {
    const jobs = await rig.jobs();
    for (const id of ledger.phase) if (!(await ledger.settled(rig, id, jobs))) return false;
    for (const record of ledger.phaseFuzz) if (!(await ledger.fuzzSettled(rig, record))) return false;
    return true;
  }, timeoutMs);
  say(`  settled: ${ok ? 'yes' : 'NO (time bound reached)'} after ${Math.round((Date.now() - started) / 1000)} s`);
  return ok;
}

/**
 * A stretch in which nothing is injected after the deployer was seen to work (`settled`): it
 * must say healthy. After a phase that did not settle, it is not working, so it is not judged.
 */
export async function steady(rig: ChaosRig, what: string, ms: number, settled = true): Promise<void> {
  if (!rig.deployer.running) rig.deployer.start();
  // Settled deployments need no leader: the process may still wait out the lease of one killed
  // (up to its TTL) and then take over. Health is judged from its term's listing on, with a poll
  // interval or two to make the first poll; one that never lists is judged all the same.
  await until(async () => rig.deployer.listedThisTerm, 30_000, 200);
  await sleep(2000);
  if (!settled) return;
  // A reducer fault leaves its deployment stuck (the fuzz corpus has values that cause one).
  const window = rig.health.expect(`steady ${what}`, { healthy: true, stuck: () => rig.deployer.faultsNow > 0 });
  await sleep(ms);
  window.end();
}

/** Kills the deployer (-9) every 0.8-3.5 s and starts it again 0-0.8 s later, until stopped. */
export function startKilling(rig: ChaosRig): { stop(): Promise<void> } {
  let storming = true;
  const killer = (async () => {
    while (storming) {
      await sleep(randomBetween(800, 3500));
      if (!storming) break;
      await rig.deployer.kill9();
      await sleep(randomBetween(0, 800));
      rig.deployer.start();
    }
  })();
  return {
    stop: async () => {
      storming = false;
      await killer;
      rig.deployer.start();
    },
  };
}

export async function killStorm(rig: ChaosRig, ledger: Ledger, options: { readonly deployments: number; readonly say: Say }): Promise<void> {
  const { say } = options;
  say(`kill -9 storm: ${options.deployments} deployments, deletions and args changes`);
  const killing = startKilling(rig);
  const ids: string[] = [];
  for (let i = 0; i < options.deployments; i++) {
    const id = `ks-${rig.tag}-${i}`;
    ids.push(id);
    ledger.wrote(id, await rig.put(id, value(id, script(randomBetween(0.2, 2)))));
    if (i % 10 === 9) {
      const victim = ids[Math.floor(Math.random() * ids.length)]!;
      if (!ledger.valid.get(victim)?.deleted) {
        await rig.remove(victim);
        ledger.deleted(victim);
      }
    }
    if (i % 7 === 6) {
      const changed = ids[Math.floor(Math.random() * ids.length)]!;
      if (!ledger.valid.get(changed)?.deleted) ledger.wrote(changed, await rig.put(changed, value(changed, script(randomBetween(0.2, 1), 2))));
    }
    await sleep(randomBetween(30, 250));
  }
  await sleep(12_000); // more kills while the last ones are submitted and run
  await killing.stop();
  say(`  ${rig.deployer.counts.kills} kills so far`);
  await steady(rig, 'after the kill storm', 5000, await settle(rig, ledger, 60_000 + options.deployments * 2_000, say));
}

export async function fuzz(rig: ChaosRig, ledger: Ledger, options: { readonly limit?: number; readonly say: Say }): Promise<void> {
  const marker = (n: number) => {
    const file = path.join(rig.dir, `injected-${n}`);
    ledger.markers.push(file);
    return file;
  };
  const records = fuzzCorpus(rig.tag, marker).slice(0, options.limit);
  options.say(`fuzz: ${records.length} malformed or hostile records`);
  for (const record of records) {
    ledger.fuzzed(record);
    await rig.put(record.id, record.value);
  }
  // A key whose id is not a deployment id at all: to be ignored, nothing else.
  await rig.put(`bad_id!-${rig.tag}`, '{"key":"bad_id!","kind":"slurm","args":{"script":"true"}}');
  await steady(rig, 'after the fuzz', 4000, await settle(rig, ledger, 120_000, options.say));
}

/** Stops one Slurm daemon for `downMs` under the shared outage lock, then brings the stack back. */
export async function slurmOutage(rig: ChaosRig, ledger: Ledger, daemon: 'slurmrestd' | 'slurmctld', downMs: number, say: Say): Promise<void> {
  say(`outage: ${daemon} down for ${downMs / 1000} s`);
  const prefix = `${daemon === 'slurmrestd' ? 'or' : 'oc'}-${rig.tag}`;
  const putSome = async (from: number) => {
    for (let i = from; i < from + 3; i++) ledger.wrote(`${prefix}-${i}`, await rig.put(`${prefix}-${i}`, value(`${prefix}-${i}`, script(2))));
  };
  await putSome(0);
  await sleep(1000);
  // slurmctld down: slurmrestd answers after ~9 s, so a poll takes longer to fail than to succeed.
  const grace = rig.loopIntervalSeconds * 3000 + (daemon === 'slurmctld' ? 12_000 : 3000);
  let window: { end(): void } | undefined;
  await rig.outage(
    // Kept down for the whole stretch: a live spec of someone else starting meanwhile runs
    // stack-start.sh, which would bring the daemon back early and make the health verdict wrong.
    `pidfile="$SDP_STACK_DIR/run/${daemon}.pid"; kill -TERM "$(cat "$pidfile")"; echo DOWN; end=$((SECONDS + ${downMs / 1000})); ` +
      `while [ $SECONDS -lt $end ]; do sleep 0.5; p="$(cat "$pidfile" 2>/dev/null)"; [ -n "$p" ] && kill -0 "$p" 2>/dev/null && kill -TERM "$p"; done; ` +
      `echo RESTARTING; bash scripts/stack-start.sh >/dev/null 2>&1`,
    (line) => {
      if (line === 'DOWN') {
        void putSome(3); // submitted into the outage: must wait, never fail
        if (downMs > grace) window = rig.health.expect(`${daemon} down`, { healthy: false, failing: 'slurm' }, grace);
      }
      if (line === 'RESTARTING') window?.end();
    },
  );
  await steady(rig, `after the ${daemon} outage`, 4000, await settle(rig, ledger, 120_000, say));
}

export async function etcdRestart(rig: ChaosRig, ledger: Ledger, say: Say): Promise<void> {
  say('etcd restart (private etcd stopped 8 s)');
  for (let i = 0; i < 3; i++) {
    const id = `er-${rig.tag}-${i}`;
    ledger.wrote(id, await rig.put(id, value(id, script(1))));
  }
  await sleep(1000);
  await rig.etcd.stop();
  const window = rig.health.expect('etcd down', { healthy: false, failing: 'configdb' }, 5000);
  await sleep(8000);
  window.end();
  await rig.etcd.start();
  for (let i = 3; i < 6; i++) {
    const id = `er-${rig.tag}-${i}`;
    ledger.wrote(id, await rig.put(id, value(id, script(1))));
  }
  await steady(rig, 'after the etcd restart', 4000, await settle(rig, ledger, 90_000, say));
}

/** The deployer cut off from etcd while deployments change and etcd compacts past its watch. */
export async function compactionPastTheWatch(rig: ChaosRig, ledger: Ledger, say: Say): Promise<void> {
  say('compaction past the watch (etcd unreachable 8 s meanwhile)');
  rig.gate.refuse();
  rig.gate.cut();
  const window = rig.health.expect('etcd unreachable', { healthy: false, failing: 'configdb' }, 5000);
  let last = 0;
  for (let i = 0; i < 3; i++) {
    const id = `cp-${rig.tag}-${i}`;
    last = await rig.put(id, value(id, script(1)));
    ledger.wrote(id, last);
  }
  const victim = [...ledger.valid].find(([, e]) => !e.deleted)?.[0];
  if (victim !== undefined) {
    await rig.remove(victim);
    ledger.deleted(victim);
  }
  const revision = Number((await rig.root().get('2/deploy/none').exec()).header.revision);
  await rig.root().kv.compact({ revision: String(Math.max(last, revision)), physical: true });
  await sleep(8000);
  window.end();
  rig.gate.accept();
  await steady(rig, 'after the compaction', 4000, await settle(rig, ledger, 90_000, say));
}
