// The exchanges `npm run record-fixtures` (spec/tools/record-fixtures.ts) recorded from real
// slurmrestd servers, and the OpenAPI document each server served, under spec/fixtures/recorded/.
// The package ships those of the releases the fake slurmrestd replays (package.json `files`), so
// that the fake answers an embedder's specs as it answers ours; they are read from the package
// root, found from this file's place in dist/ (dist/streams/testing/ -> ../../../).

import { readdirSync, readFileSync } from 'node:fs';
import type { SlurmApiVersion } from '../../lib/slurm/api-versions.js';

/** A Slurm release whose slurmrestd answers were recorded. */
export type RecordedRelease = '22.05' | '24.11' | '26.05';

/** The REST API versions recorded of each release. */
export const RECORDED_RELEASES: Readonly<Record<RecordedRelease, readonly SlurmApiVersion[]>> = {
  '22.05': ['v0.0.38'],
  '24.11': ['v0.0.40', 'v0.0.41', 'v0.0.42'],
  '26.05': ['v0.0.42', 'v0.0.43', 'v0.0.44', 'v0.0.45'],
};

/** The releases whose versions the fake slurmrestd replays (it speaks v0.0.39 and later only); the package ships these. */
export const REPLAYED_RELEASES = ['24.11', '26.05'] as const satisfies readonly RecordedRelease[];

/** A release the fake slurmrestd can answer as (FakeSlurmrestdOptions.recorded). */
export type ReplayedRelease = (typeof REPLAYED_RELEASES)[number];

/** One request to a real slurmrestd and its answer, as recorded. */
export interface RecordedExchange {
  readonly file: string;
  readonly request: { readonly method: string; readonly path: string; readonly body?: unknown };
  readonly status: number;
  readonly contentType: string;
  readonly body: unknown;
}

/** spec/fixtures/recorded in the checkout, or in the installed package. */
const RECORDED_DIR = new URL('../../../spec/fixtures/recorded/', import.meta.url);

/** The served document, relative to spec/fixtures (slurm-contract.ts reads it from there). */
export function servedDocument(release: RecordedRelease): string {
  return `recorded/slurm-${release}/openapi-v3.json`;
}

const served = new Map<RecordedRelease, unknown>();

/** The OpenAPI document the real server of `release` served at /openapi/v3, parsed once. */
export function servedOpenApi(release: RecordedRelease): unknown {
  if (!served.has(release)) served.set(release, JSON.parse(readFileSync(new URL(`slurm-${release}/openapi-v3.json`, RECORDED_DIR), 'utf8')));
  return served.get(release);
}

const exchanges = new Map<string, RecordedExchange[]>();

/** Every exchange recorded of one release and version, in the order they were made (read once). */
export function recordedExchanges(release: RecordedRelease, version: SlurmApiVersion): RecordedExchange[] {
  const key = `${release} ${version}`;
  const known = exchanges.get(key);
  if (known !== undefined) return known;
  const dir = new URL(`slurm-${release}/${version}/`, RECORDED_DIR);
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    throw new Error(`no recordings of Slurm ${release} ${version} (${dir.pathname})`);
  }
  const read = files
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, ...(JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as Omit<RecordedExchange, 'file'>) }));
  exchanges.set(key, read);
  return read;
}

/** One recorded exchange by its name (`01-submit`); an error when there is none. */
export function recordedExchange(release: RecordedRelease, version: SlurmApiVersion, name: string): RecordedExchange {
  const found = recordedExchanges(release, version).find((e) => e.file === `${name}.json`);
  if (found === undefined) throw new Error(`no recording ${name} of Slurm ${release} ${version}`);
  return found;
}
