// One child process: the real stack. Not yet implemented beyond its shape (see the report).
export interface StackRun {
  readonly floorP50Ms: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}
process.stderr.write('stack measures are not implemented yet\n');
process.exit(1);
