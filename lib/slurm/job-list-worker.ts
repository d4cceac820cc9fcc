// The worker thread that reads job lists (job-list-thread.ts): parses the JSON, decodes it with
// the version's adapter and keeps the jobs of one label, so that the deployer's event loop
// receives only its own jobs, compact.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort } from 'node:worker_threads';
import { messageOf } from '../core/error-message.js';
import { adapterFor } from './adapters.js';
import { jsonOf } from './json-body.js';
import { labelled, type JobListRequest, type JobListResponse } from './job-list-thread.js';

// A list leaves its parse behind as garbage (a 9 MB list of 10,000 jobs: ~150 MB of parsed
// records), and a worker that waits for the next poll allocates nothing that would make V8 collect
// it. It collects once after each list instead (the way node:v8's documentation shows): measured
// in the pipeline bench, peak RSS at 10,000 deployments 313 MB without, 290 MB with.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

parentPort?.on('message', (request: JobListRequest) => {
  let response: JobListResponse;
  try {
    const body = jsonOf(Buffer.from(request.bytes).toString('utf8'), request.contentType);
    response = body === undefined ? { id: request.id, notJson: true } : { id: request.id, ...labelled(adapterFor(request.version).readJobList(body), request.label) };
  } catch (error) {
    response = { id: request.id, error: messageOf(error) };
  }
  parentPort?.postMessage(response);
  collect();
});
