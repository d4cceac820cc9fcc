// The journal: every event the reducer handled, with the commands it returned, one JSON line
// each (lib/core/replay.ts holds the format and the replay). Appended through one write stream,
// never waited on by the loop; a failed write is logged once and ends journaling, not the deployer.

import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { faultText, journalHeader, type JournalLine } from '../../lib/core/replay.js';
import type { ReducerSettings } from '../../lib/core/world.js';
import type { DeployerOutput } from '../loop/deployer.js';
import type { Logger } from './log.js';
import { messageOf } from '../../lib/core/error-message.js';

/** The journal of a run: every step of the reducer as a JSON line, to replay it (`sdp-slurm-deployer replay`). */
export interface Journal {
  /** Records a step (or a fault) of the loop; other outputs are not the reducer's and are skipped. */
  record(output: DeployerOutput): void;
  /** Writes out what is buffered and closes the file; never rejects. Later records are dropped. */
  close(): Promise<void>;
}

/** Opens `file` for appending and writes the header of this run. */
export function openJournal(file: string, settings: ReducerSettings, log: Logger, open: (file: string) => Writable = appendStream): Journal {
  let failed = false;
  let closed: Promise<void> | undefined;
  const fail = (error: unknown) => {
    if (failed) return;
    failed = true;
    log.error('journal write failed; journaling stops, the deployer goes on', { file, error: messageOf(error) });
  };
  let stream: Writable;
  try {
    stream = open(file);
  } catch (error) {
    fail(error);
    return { record: () => undefined, close: () => Promise.resolve() };
  }
  stream.on('error', fail);

  const write = (line: JournalLine) => {
    if (failed || closed !== undefined) return;
    try {
      // Buffered by the stream: the loop never waits for the disk.
      stream.write(`${JSON.stringify(line)}\n`);
    } catch (error) {
      fail(error);
    }
  };
  write(journalHeader(settings));

  return {
    record(output) {
      if (output.type === 'step') write({ event: output.event, commands: output.commands });
      else if (output.type === 'fault') write({ event: output.event, fault: faultText(output.error) });
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        if (failed || stream.destroyed) return resolve();
        // end()'s callback runs once everything is written, or with the error that stopped it.
        stream.end((error?: Error | null) => {
          if (error) fail(error);
          resolve();
        });
      });
      return closed;
    },
  };
}

function appendStream(file: string): Writable {
  return createWriteStream(file, { flags: 'a' });
}
