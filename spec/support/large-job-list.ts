// A slurmrestd stand-in that answers `GET /slurm/v0.0.45/jobs/` with a list of any size, made
// from one job record recorded from the real 26.05 server, pretty-printed as slurmrestd prints,
// and written as the socket takes it: the server never holds the list, so a list of 100,000 jobs
// (about 1 GB) costs it no memory.

import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fixtureFile } from './repo.js';

export const LARGE_LIST_VERSION = 'v0.0.45';

export interface LargeListShape {
  readonly jobs: number;
  /** Every `every`-th job carries `label`; the others another user's label. */
  readonly every: number;
  readonly label: string;
}

/** The recorded record as text, cut where its job id and its label go. */
function template(): readonly [string, string, string] {
  const recorded = JSON.parse(readFileSync(fixtureFile('recorded', 'slurm-26.05', LARGE_LIST_VERSION, '06-jobs.json'), 'utf8')) as { body: { jobs: object[] } };
  const text = JSON.stringify({ ...recorded.body.jobs[0], job_id: 987654321, mcs_label: '@LABEL@' }, null, 2).replace(/\n/g, '\n    ');
  const [beforeId, afterId = ''] = text.split('987654321');
  const [middle, end = ''] = afterId.split('@LABEL@');
  return [beforeId!, middle!, end];
}

/** The body, in pieces of about 1 MB. */
export function* largeListBody(shape: LargeListShape): Generator<Buffer> {
  const [beforeId, middle, end] = template();
  let pending = '{\n  "jobs": [\n    ';
  for (let i = 1; i <= shape.jobs; i++) {
    pending += `${i > 1 ? ',\n    ' : ''}${beforeId}${i}${middle}${i % shape.every === 0 ? shape.label : 'someone_else'}${end}`;
    if (pending.length >= 1_000_000) {
      yield Buffer.from(pending, 'utf8');
      pending = '';
    }
  }
  yield Buffer.from(`${pending}\n  ],\n  "last_backfill": {"set": true, "infinite": false, "number": 1700000000},\n  "last_update": {"set": true, "infinite": false, "number": 1700000001},\n  "meta": {},\n  "errors": [],\n  "warnings": []\n}\n`, 'utf8');
}

/** Serves the list on 127.0.0.1; `bytes()` says how much the last answer was. */
export async function serveLargeList(shape: LargeListShape): Promise<{ readonly url: string; bytes(): number; close(): Promise<void> }> {
  let sent = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    if (req.method !== 'GET' || !(req.url ?? '').startsWith(`/slurm/${LARGE_LIST_VERSION}/jobs`)) {
      res.writeHead(404).end();
      return;
    }
    sent = 0;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    const pieces = largeListBody(shape);
    const more = () => {
      for (let next = pieces.next(); !next.done; next = pieces.next()) {
        sent += next.value.byteLength;
        if (!res.write(next.value)) return void res.once('drain', more);
      }
      res.end();
    };
    more();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bytes: () => sent,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}
