// The package entry `sdp-slurm-deployer`: what a service that embeds the deployer needs, and
// nothing else. Every internal path an embedder may rely on is named here (and in
// lib/core/index.ts, streams/testing/index.ts) and nowhere else: the rest of the house is private,
// and files may move without a change to the public API.

/**
 * The SKA SDP Slurm deployer as a library: its loop (`deployer`), the live wiring
 * (`liveDeployer`), the sources and sinks it is made of, the Config DB clients (etcd and in
 * memory), the codecs of the values the Config DB holds, and the pure reducer with its events
 * and commands (also alone in `sdp-slurm-deployer/core`).
 *
 * @packageDocumentation
 * @module sdp-slurm-deployer
 */

export * from '../lib/core/index.js';

// The loop and its parts
export { deployer, type DeployerOptions, type DeployerOutput, type LoopBatch } from './loop/deployer.js';
export { DEFAULT_LANES, type DeployerSinks, type Sink, type CommandOf, type Lane } from './loop/command-table.js';
export { configEvents, type ConfigSourceOptions } from './sources/config-source.js';
export { ticks } from './sources/clock.js';
export { createSinks, type SinkOptions } from './sinks/sinks.js';

// The live wiring
export { liveDeployer, type LiveDeployerOptions } from './live-deployer.js';
export { createLogger, type Logger, type LoggerOptions, type LogFields } from './ops/log.js';
export { openJournal, type Journal } from './ops/journal.js';
export { createMetrics, type DeployerMetrics, type MetricsOptions } from './ops/metrics.js';
export {
  readConfig,
  describeProblems,
  LOG_LEVELS,
  LOG_FORMATS,
  type DeployerConfig,
  type ConfigDbConfig,
  type ConfigProblem,
  type ConfigResult,
  type Environment,
  type LogLevel,
  type LogFormat,
} from '../lib/config/deployer-config.js';
export type { SlurmAuthConfig } from '../lib/config/slurm-auth-config.js';
export type { SlurmTlsConfig } from '../lib/config/slurm-tls-config.js';
export { reducerSettingsOf, type SlurmReads } from '../lib/config/reducer-settings.js';
export { Secret } from '../lib/base/secret.js';

// Slurm
export { connectSlurm, type ConnectSlurmOptions, type SlurmClientBehaviour } from '../lib/slurm/rest-client.js';
export { SUPPORTED_API_VERSIONS, type SlurmApiVersion } from '../lib/slurm/api-versions.js';
export type { SlurmHttpOptions, SlurmRestTimeouts, SlurmAuthScheme } from '../lib/slurm/slurm-http.js';
export type { PacerSettings } from '../lib/slurm/request-pacer.js';
export type { SlurmTlsMaterial } from '../lib/config/slurm-tls-files.js';
export { SlurmRequestError, type SlurmApi, type StatesRequest, type StatesReading, type PacingReport } from '../lib/slurm/slurm-api.js';
export { staticJwtProvider } from '../lib/auth/static-jwt.js';
export type { TokenProvider, SlurmCredentials } from '../lib/auth/token-provider.js';

// The Config DB
export type { ConfigDb, DeploymentListing, DeploymentChange, DeploymentWatch, DeploymentWatchListener, ListingOptions, StateWrite, StateWriteResult, StateDeleteResult } from '../lib/configdb/config-db.js';
export { createMemoryConfigDb, type MemoryConfigDb } from '../lib/configdb/memory-config-db.js';
export { openConfigDb, type OpenConfigDbOptions } from '../lib/configdb/open-config-db.js';
export type { WriteFence } from '../lib/configdb/write-fence.js';
export type { Fence } from '../lib/configdb/leader-election.js';
export {
  decodeDeployment,
  decodeState,
  encodeState,
  decodeWatermark,
  encodeWatermark,
  decodeRegisteredJob,
  encodeRegisteredJob,
  type DeploymentDecoding,
} from '../lib/configdb/codecs.js';
