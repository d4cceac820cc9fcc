// The fake slurmrestd our specs use is the one the package ships (streams/testing, the entry
// `sdp-slurm-deployer/testing`); what only our specs do with it is here: checking every body it
// sent and got against the version's OpenAPI document (ajv, a dev dependency).

import { isSupportedApiVersion } from '../../lib/slurm/api-versions.js';
import { FakeSlurmrestd, type NewerVersion } from '../../streams/testing/index.js';
import { servedDocument } from '../../streams/testing/recordings.js';
import { contractOf, slurmContract } from './slurm-contract.js';

export { FakeSlurmrestd, type FakeSlurmrestdOptions } from '../../streams/testing/index.js';

/** Every JSON answer the fake sent and every submit or bulk-kill body it got, checked against the versions' documents; returns how many. */
export function checkContract(fake: FakeSlurmrestd): number {
  // With `recorded`, the document that real server served; else the versions' reference documents.
  const contract = (version: NewerVersion) => (fake.recorded === undefined ? slurmContract(version) : contractOf(version, [servedDocument(fake.recorded)]));
  let checked = 0;
  for (const answer of fake.answers) {
    const version = versionOf(answer.path);
    if (version === undefined || typeof answer.body === 'string') continue;
    contract(version).checkResponse(answer.method, answer.path, answer.status, answer.body);
    checked++;
  }
  for (const request of fake.requests) {
    const version = versionOf(request.url);
    if (version === undefined || !(request.method === 'POST' || (request.method === 'DELETE' && request.body !== ''))) continue;
    contract(version).checkRequest(request.method, request.url, JSON.parse(request.body));
    checked++;
  }
  return checked;
}

function versionOf(path: string): NewerVersion | undefined {
  const version = /^\/slurm(?:db)?\/(v\d+\.\d+\.\d+)\//.exec(path)?.[1];
  return version !== undefined && isSupportedApiVersion(version) && version !== 'v0.0.38' ? version : undefined;
}
