// A setting that cannot work, found when the deployer starts: named by its variable, with what is
// wrong; the message never holds a secret. The CLI ends with exit code 2 for one.

export class SettingError extends Error {
  constructor(
    readonly variable: string,
    readonly problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'SettingError';
  }
}
