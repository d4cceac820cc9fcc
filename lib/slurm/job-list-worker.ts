// The worker thread that reads job lists (job-list-thread.ts): splits each body as its chunks
// arrive (job-list-splitter.ts), parses only the jobs that carry the label, decodes them with the
// version's adapter, so that the deployer's event loop receives only its own jobs, compact.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort } from 'node:worker_threads';
import { messageOf } from '../core/error-message.js';
import { adapterFor } from './adapters.js';
import type { SlurmApiVersion } from './api-versions.js';
import { JobListSplitter } from './job-list-splitter.js';
import { labelled, type JobListMessage, type JobListResponse } from './job-list-thread.js';

// A list leaves its parse behind as garbage (a 9 MB list of 10,000 jobs: ~150 MB of parsed
// records), and a worker that waits for the next poll allocates nothing that would make V8 collect
// it. It collects once after each list instead (the way node:v8's documentation shows): measured
// in the pipeline bench, peak RSS at 10,000 deployments 313 MB without, 290 MB with.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

interface Reading {
  readonly version: SlurmApiVersion;
  readonly contentType: string | undefined;
  readonly label: string | undefined;
  readonly splitter: JobListSplitter;
}

const readings = new Map<number, Reading>();

parentPort?.on('message', (message: JobListMessage) => {
  switch (message.type) {
    case 'begin':
      readings.set(message.id, { version: message.version, contentType: message.contentType, label: message.label, splitter: new JobListSplitter(keeping(message.label)) });
      return;
    case 'chunk':
      readings.get(message.id)?.splitter.write(new Uint8Array(message.bytes));
      answer({ id: message.id, read: message.bytes.byteLength });
      return;
    case 'end': {
      const reading = readings.get(message.id);
      readings.delete(message.id);
      if (reading !== undefined) answer(readingOf(message.id, reading));
      collect();
      return;
    }
    case 'abort':
      readings.delete(message.id);
      collect();
      return;
    default:
  }
});

function answer(response: JobListResponse): void {
  parentPort?.postMessage(response);
}

/** As an in-thread parse would say it (json-body.ts jsonOf, then the adapter). */
function readingOf(id: number, { version, contentType, label, splitter }: Reading): JobListResponse {
  const start = splitter.envelopeText.trimStart();
  if (start === '' || !(contentType?.includes('json') || start.startsWith('{'))) return { id, notJson: true };
  const split = splitter.end();
  if ('malformed' in split) return { id, notJson: true };
  try {
    return { id, ...labelled(adapterFor(version).readJobList(split.body), label, split.listed) };
  } catch (error) {
    return { id, error: messageOf(error) };
  }
}

/**
 * Which elements of the `jobs` array to parse: those whose bytes hold the label as a JSON string
 * (a superset: the adapter's decoding and `labelled` keep exactly the label's jobs). A label that a
 * JSON writer might escape in some way of its own is not searched for: every element is parsed.
 */
function keeping(label: string | undefined): (element: Buffer) => boolean {
  if (label === undefined || !/^[\w .:@+=-]+$/.test(label)) return () => true;
  const needle = Buffer.from(JSON.stringify(label), 'utf8');
  return (element) => element.indexOf(needle) >= 0;
}
