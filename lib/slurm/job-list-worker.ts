// The worker thread that reads job lists (job-list-thread.ts): parses the JSON, decodes it with
// the version's adapter and keeps the jobs of one label, so that the deployer's event loop
// receives only its own jobs, compact.

import { parentPort } from 'node:worker_threads';
import { messageOf } from '../core/error-message.js';
import { adapterFor } from './adapters.js';
import { jsonOf } from './json-body.js';
import { labelled, type JobListRequest, type JobListResponse } from './job-list-thread.js';

parentPort?.on('message', (request: JobListRequest) => {
  let response: JobListResponse;
  try {
    const body = jsonOf(Buffer.from(request.bytes).toString('utf8'), request.contentType);
    response = body === undefined ? { id: request.id, notJson: true } : { id: request.id, ...labelled(adapterFor(request.version).readJobList(body), request.label) };
  } catch (error) {
    response = { id: request.id, error: messageOf(error) };
  }
  parentPort?.postMessage(response);
});
