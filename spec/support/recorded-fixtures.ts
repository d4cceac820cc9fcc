// The exchanges `npm run record-fixtures` (spec/tools/record-fixtures.ts) recorded from real
// slurmrestd servers, and the OpenAPI document each server served, under spec/fixtures/recorded/.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { SlurmApiVersion } from '../../lib/slurm/api-versions.js';
import { fixtureFile } from './repo.js';

export type RecordedRelease = '22.05' | '24.11' | '26.05';

export const RECORDED_RELEASES: Readonly<Record<RecordedRelease, readonly SlurmApiVersion[]>> = {
  '22.05': ['v0.0.38'],
  '24.11': ['v0.0.40', 'v0.0.41', 'v0.0.42'],
  '26.05': ['v0.0.42', 'v0.0.43', 'v0.0.44', 'v0.0.45'],
};

export interface RecordedExchange {
  readonly file: string;
  readonly request: { readonly method: string; readonly path: string; readonly body?: unknown };
  readonly status: number;
  readonly contentType: string;
  readonly body: unknown;
}

/** The served document, relative to spec/fixtures (slurm-contract.ts reads it from there). */
/** The releases whose versions the fake slurmrestd replays (it speaks v0.0.39 and later only). */
export const REPLAYED_RELEASES = ['24.11', '26.05'] as const satisfies readonly RecordedRelease[];

export function servedDocument(release: RecordedRelease): string {
  return `recorded/slurm-${release}/openapi-v3.json`;
}

export function recordedExchanges(release: RecordedRelease, version: SlurmApiVersion): RecordedExchange[] {
  const dir = fixtureFile('recorded', `slurm-${release}`, version);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, ...(JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Omit<RecordedExchange, 'file'>) }));
}

export function recordedExchange(release: RecordedRelease, version: SlurmApiVersion, name: string): RecordedExchange {
  const found = recordedExchanges(release, version).find((e) => e.file === `${name}.json`);
  if (found === undefined) throw new Error(`no recording ${name} of Slurm ${release} ${version}`);
  return found;
}
