// One property run: the Config DB and Slurm as the scenario starts them, its actions, then a
// drain without faults and the checks of the end.

import { canonicalJson } from '../../lib/core/canonical-json.js';
import { formatJobIdentity } from '../../lib/core/slurm-job.js';
import { specHash } from '../../lib/core/spec-hash.js';
import { LABEL } from './fixtures.js';
import { perform } from './property-actions.js';
import { checkEnd } from './property-checks.js';
import { Harness } from './property-harness.js';
import { FOREIGN, IDS, LIST_MODE, START_STATES, type Mode, type Scenario } from './property-runs.js';
import { Aborted, type Trace } from './property-trace.js';

/** Runs a scenario in a mode; `recordSteps` keeps every step as JSON (for the replay property). */
export function simulate(scenario: Scenario, mode: Mode = LIST_MODE, recordSteps = false): Trace {
  const h = new Harness(mode, recordSteps);
  // What the Config DB holds before the deployer starts: it learns it from the first listing.
  h.watchBroken = true;
  for (const { dep: d, args, kind } of scenario.initial) perform(h, { t: 'put', dep: d, args, kind });
  for (const old of scenario.oldJobs) addOldJob(h, old);
  for (const f of scenario.foreign) h.slurm.add({ ...FOREIGN[f.style]!(IDS[f.dep]!), state: START_STATES[f.state]! });
  if (scenario.cleanStart === true && h.statePolls) h.db.watermark = { floor: 0, clean: true };
  try {
    if (scenario.listFirst) h.list();
    h.tick(0);
    scenario.actions.forEach((action, i) => {
      if (i === scenario.listAfter && !scenario.listFirst && !h.listed) h.list();
      perform(h, action);
    });
    if (!h.listed) h.list();
    h.drain();
    checkEnd(h);
  } catch (error) {
    if (!(error instanceof Aborted)) throw error;
  }
  return h.trace;
}

/** A job left by an earlier deployer: of the current spec, legacy (no identity), of a gone deployment, of an older spec. */
function addOldJob(h: Harness, old: Scenario['oldJobs'][number]): void {
  const id = IDS[old.dep]!;
  const stored = h.db.get(id);
  const current = stored?.kind === 'slurm' ? stored : undefined;
  const identity = (submitId: string) => formatJobIdentity({ deploymentId: id, submitId });
  const [fields, argsKey] = ((): [{ name: string; mcsLabel: string; comment: string }, string | undefined] => {
    if (old.style === 0 && current) {
      const argsKey = canonicalJson(current.args ?? null);
      return [{ name: id, mcsLabel: LABEL, comment: formatJobIdentity({ deploymentId: id, submitId: `r${current.revision}`, specHash: specHash(argsKey) }) }, argsKey];
    }
    if (old.style === 1 && current) return [{ name: id, mcsLabel: LABEL, comment: '' }, undefined];
    if (old.style === 2) return [{ name: `${id}-gone`, mcsLabel: LABEL, comment: formatJobIdentity({ deploymentId: `${id}-gone`, submitId: 'r1' }) }, 'gone'];
    return [{ name: id, mcsLabel: LABEL, comment: identity(`r${1 + old.submit}`) }, 'an older spec'];
  })();
  const jobId = h.slurm.add({ ...fields, state: START_STATES[old.state]! });
  if (argsKey !== undefined) h.jobArgs.set(jobId, { argsKey, epoch: h.epochs.get(id)?.epoch ?? -1 });
  // A job of the current spec counts as made once already (exactlyOnce).
  if (old.style === 0 && current && argsKey !== undefined) h.ledger.add({ seq: -1 - jobId, id, submitId: `r${current.revision}`, spec: { argsKey, epoch: h.epochs.get(id)?.epoch ?? -1 }, fate: { kind: 'made', jobId } });
}
