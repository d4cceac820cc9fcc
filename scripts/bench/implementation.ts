// Loads the deployer's compiled modules from a dist directory: this checkout's, or a baseline's
// built in a temporary worktree. The bench touches only public entry points (events, commands,
// createReducer, deployer, sinks), never the World's insides, so it runs against either.

import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Observable } from 'rxjs';
import type { ConfigDb } from '../../lib/configdb/config-db.js';
import type { MemoryConfigDb } from '../../lib/configdb/memory-config-db.js';
import type { DeployerEvent } from '../../lib/core/events.js';
import type { Reducer } from '../../lib/core/reducer.js';
import type { ReducerSettings, World } from '../../lib/core/world.js';
import type { SlurmApi } from '../../lib/slurm/slurm-api.js';
import type { SlurmRestClientOptions } from '../../lib/slurm/rest-client.js';
import type { DeployerOptions, DeployerOutput, DeployerSinks } from '../../streams/loop/deployer.js';

export interface Implementation {
  readonly createReducer: (settings: ReducerSettings) => Reducer;
  readonly initialWorld: World;
  readonly deployer: (options: DeployerOptions) => Observable<DeployerOutput>;
  readonly createSinks: (slurm: SlurmApi, db: ConfigDb) => DeployerSinks;
  readonly configEvents: (db: ConfigDb) => Observable<DeployerEvent>;
  readonly ticks: (periodMs: number) => Observable<DeployerEvent>;
  readonly createMemoryConfigDb: () => MemoryConfigDb;
  readonly createSlurmRestClient: (options: SlurmRestClientOptions) => SlurmApi;
  readonly staticJwtProvider: typeof import('../../lib/auth/static-jwt.js').staticJwtProvider;
  readonly Secret: typeof import('../../lib/base/secret.js').Secret;
}

/** `distRoot`: a directory holding lib/, streams/ compiled (this checkout's `dist`). */
export async function loadImplementation(distRoot: string): Promise<Implementation> {
  const load = (file: string) => import(pathToFileURL(path.join(distRoot, file)).href) as Promise<Record<string, unknown>>;
  const [reducer, world, deployer, sinks, source, clock, memory, rest, jwt, secret] = await Promise.all([
    load('lib/core/reducer.js'),
    load('lib/core/world.js'),
    load('streams/loop/deployer.js').catch(() => load('streams/deployer.js')),
    load('streams/sinks/sinks.js').catch(() => load('streams/sinks.js')),
    load('streams/sources/config-source.js').catch(() => load('streams/config-source.js')),
    load('streams/sources/clock.js').catch(() => load('streams/clock.js')),
    load('lib/configdb/memory-config-db.js'),
    load('lib/slurm/rest-client.js'),
    load('lib/auth/static-jwt.js'),
    // streams/ in folders by role since issue 23, and Secret in lib/base/; lib/config/ since the
    // core lost process configuration; lib/core/ before.
    load('lib/base/secret.js')
      .catch(() => load('lib/config/secret.js'))
      .catch(() => load('lib/core/secret.js')),
  ]);
  return {
    createReducer: reducer['createReducer'],
    initialWorld: world['initialWorld'],
    deployer: deployer['deployer'],
    createSinks: sinks['createSinks'],
    configEvents: source['configEvents'],
    ticks: clock['ticks'],
    createMemoryConfigDb: memory['createMemoryConfigDb'],
    createSlurmRestClient: rest['createSlurmRestClient'],
    staticJwtProvider: jwt['staticJwtProvider'],
    Secret: secret['Secret'],
  } as Implementation;
}
