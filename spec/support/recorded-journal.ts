// A journal as the deployer records it: a header and the steps of one deployment listed and
// polled. Tampered, the poll's written state says RUNNING, so that a replay finds it differs.

import type { DeployerEvent } from '../../lib/core/events.js';
import { createReducer } from '../../lib/core/reducer.js';
import { journalHeader } from '../../lib/core/replay.js';
import { initialWorld } from '../../lib/core/world.js';
import { entry, settings } from './fixtures.js';

export function recordedJournal(tamper: boolean): string[] {
  const reduce = createReducer(settings);
  let world = initialWorld;
  const events: DeployerEvent[] = [
    { type: 'tick', now: 1_800_000_000_000 },
    { type: 'configListed', deployments: [entry('d1')], invalid: [] },
    { type: 'jobsPolled', pollId: 1, jobs: [] },
  ];
  const lines = [JSON.stringify(journalHeader(settings))];
  for (const event of events) {
    const step = reduce(world, event);
    world = step.world;
    const commands = JSON.parse(JSON.stringify(step.commands)) as { state?: { status: string } }[];
    if (tamper && event.type === 'jobsPolled') for (const c of commands) if (c.state !== undefined) c.state.status = 'RUNNING';
    lines.push(JSON.stringify({ event, commands }));
  }
  return lines;
}
