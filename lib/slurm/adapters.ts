// One adapter per supported REST API version.

import type { SlurmAdapter } from './adapter.js';
import type { SlurmApiVersion } from './api-versions.js';
import { adapterV0038 } from './v0038.js';
import { adapterV0039 } from './v0039.js';
import { adapterV0040, adapterV0041, adapterV0042, adapterV0043, adapterV0044, adapterV0045 } from './v004x.js';

const ADAPTERS: Readonly<Record<SlurmApiVersion, SlurmAdapter>> = {
  'v0.0.38': adapterV0038,
  'v0.0.39': adapterV0039,
  'v0.0.40': adapterV0040,
  'v0.0.41': adapterV0041,
  'v0.0.42': adapterV0042,
  'v0.0.43': adapterV0043,
  'v0.0.44': adapterV0044,
  'v0.0.45': adapterV0045,
};

export function adapterFor(version: SlurmApiVersion): SlurmAdapter {
  return ADAPTERS[version];
}
