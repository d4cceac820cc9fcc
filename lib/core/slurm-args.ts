// A slurm deployment's `args` once decoded (deployment-args.ts decodes them): plain types inside the
// core, the codecs' brands left at the edge. What reads args (the `#SBATCH` option table, the job
// builder) imports this, not the decoder.

import type { DependencyArgs } from './dependencies.js';
import type { OptionArgs } from './job-options.js';

/** Decoded args: plain types inside the core (the codec's brands stay at the edge). */
export interface SlurmArgs extends OptionArgs, DependencyArgs {
  readonly script?: string;
  readonly command?: readonly string[];
  readonly environment?: Readonly<Record<string, string>>;
  readonly partition?: string;
  readonly time_limit?: number;
  readonly nodes?: number;
  readonly tasks?: number;
  readonly cpus_per_task?: number;
  readonly memory_per_node?: number;
  readonly current_working_directory?: string;
  readonly account?: string;
  readonly qos?: string;
  readonly standard_output?: string;
  readonly standard_error?: string;
}
