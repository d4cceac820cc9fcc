// A stand-in reducer for the pipeline bench's "streams only" run: O(1) per event, keeping its own
// small state in a closure (the World passes through untouched). It decides what the real one
// does on the happy path (submit a new deployment, write PENDING, write the job id, poll when
// due), so the pipeline's own costs (sources, queue, lanes, sinks, REST client, Config DB) are
// measured apart from the reducer's. Not a deployer: no retries, no adoption, no cancels.

import type { Command } from '../../lib/core/commands.js';
import type { Reducer } from '../../lib/core/reducer.js';
import type { ReducerSettings } from '../../lib/core/world.js';

export function createStubReducer(settings: ReducerSettings): Reducer {
  let listed = false;
  let pollId = 0;
  let pollInFlight = false;
  let lastPollAt = Number.NEGATIVE_INFINITY;
  let polledOnce = false;
  const waiting: string[] = [];
  const submit = (id: string, revision: number): Command[] => [
    {
      type: 'submitJob',
      id,
      submitId: `r${revision}`,
      spec: {
        name: id,
        script: '#!/bin/bash\nsleep 600\n',
        environment: { PATH: '/usr/bin:/bin' },
        mcsLabel: settings.job.label,
        comment: `sdp-slurm-deployer:deployment=${id};submit=r${revision}`,
        currentWorkingDirectory: '/tmp',
      },
    },
    { type: 'writeState', id, state: { status: 'PENDING', generation: 1 } },
  ];
  return (world, event) => {
    const commands: Command[] = [];
    switch (event.type) {
      case 'configListed':
        listed = true;
        break;
      case 'deploymentPut':
        if (polledOnce) commands.push(...submit(event.deployment.id, event.deployment.revision));
        else waiting.push(event.deployment.id);
        break;
      case 'tick':
        if (listed && !pollInFlight && event.now - lastPollAt >= settings.pollIntervalMs) {
          pollInFlight = true;
          lastPollAt = event.now;
          commands.push({ type: 'pollJobs', pollId: ++pollId });
        }
        break;
      case 'jobsPolled':
      case 'pollFailed':
        pollInFlight = false;
        if (!polledOnce) {
          polledOnce = true;
          for (const id of waiting.splice(0)) commands.push(...submit(id, 0));
        }
        break;
      case 'jobSubmitted':
        commands.push({ type: 'writeState', id: event.id, state: { status: 'PENDING', job_id: event.jobId, generation: 1 } });
        break;
      default:
        break;
    }
    return { world, commands };
  };
}
