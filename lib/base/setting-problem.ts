// A setting that cannot be used, found while reading the configuration: named by its variable,
// with what is wrong, never a secret's value. readConfig gathers them; SettingError is the same
// fact found later, when a setting's file is read.

export interface SettingProblem {
  readonly variable: string;
  readonly problem: string;
}
