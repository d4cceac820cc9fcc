// A setting that cannot be used, found while reading the configuration: named by its variable,
// with what is wrong, never a secret's value. readConfig gathers them; SettingError is the same
// fact found later, when a setting's file is read.

/** A setting that cannot be used. */
export interface ConfigProblem {
  /** The environment variable. */
  readonly variable: string;
  /** What is wrong with it (never its value, which may be a secret). */
  readonly problem: string;
}
