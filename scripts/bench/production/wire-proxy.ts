// A pass-through proxy between the deployer under test and slurmrestd that keeps, per request,
// what kind of Slurm call it was, its status, the bytes of its answer and when it ended: the
// wire-level truth of polls, submits and cancels, whatever the deployer's code calls them. An
// answer the deployer stopped waiting for is still read to its end (a submit landing late).

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Agent, request, type Dispatcher } from 'undici';

export type CallKind = 'submit' | 'cancel' | 'bulkCancel' | 'list' | 'states' | 'lookup' | 'other';

export interface WireCall {
  readonly kind: CallKind;
  readonly method: string;
  readonly path: string;
  /** The API version in the path (v0.0.42), when there is one. */
  readonly version?: string;
  readonly startMs: number;
  endMs?: number;
  status?: number;
  bytes: number;
  /** The job id a submit's answer carried. */
  jobId?: number;
  /** The deployer went away before the answer ended (its timeout, or a kill). */
  abandoned: boolean;
}

export interface WireProxy {
  readonly url: string;
  readonly calls: WireCall[];
  close(): Promise<void>;
}

/** What a request is, from its method and path (v0.0.38 to v0.0.45 spell them alike). */
export function callKind(method: string, path: string): CallKind {
  const p = path.split('?')[0] ?? '';
  if (method === 'POST' && /\/job\/submit\/?$/.test(p)) return 'submit';
  if (method === 'DELETE' && /\/job\/\d+\/?$/.test(p)) return 'cancel';
  if (method === 'DELETE' && /\/jobs\/?$/.test(p)) return 'bulkCancel';
  if (method === 'GET' && /\/jobs\/state\/?$/.test(p)) return 'states';
  if (method === 'GET' && /\/jobs\/?$/.test(p)) return 'list';
  if (method === 'GET' && /\/job\/\d+\/?$/.test(p)) return 'lookup';
  return 'other';
}

/** A successful poll: a list or a state read answered 2xx to its last byte. */
export const isPoll = (c: WireCall) => (c.kind === 'list' || c.kind === 'states') && c.endMs !== undefined && c.status !== undefined && c.status < 300;

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host', 'content-length', 'expect']);

export async function startWireProxy(target: string): Promise<WireProxy> {
  const upstream = new URL(target);
  const calls: WireCall[] = [];
  // undici upstream (slurmrestd 26.05 writes a second answer after a Connection: close error
  // answer, which node:http refuses); no timeouts of its own: the deployer's decide.
  const dispatcher = new Agent({ headersTimeout: 0, bodyTimeout: 0 });
  const server = http.createServer((req, res) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const version = /\/(v\d+\.\d+\.\d+)\//.exec(path)?.[1];
    const call: WireCall = { kind: callKind(method, path), method, path, ...(version === undefined ? {} : { version }), startMs: performance.now(), bytes: 0, abandoned: false };
    calls.push(call);
    res.on('close', () => {
      if (call.endMs === undefined) call.abandoned = true;
    });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k) && typeof v === 'string') headers[k] = v;
      request(new URL(path, upstream), { method: method as Dispatcher.HttpMethod, headers, body: chunks.length === 0 ? null : Buffer.concat(chunks), dispatcher })
        .then((answer) => {
          call.status = answer.statusCode;
          const out: Record<string, string | string[]> = {};
          for (const [k, v] of Object.entries(answer.headers)) if (v !== undefined && k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection') out[k] = v;
          if (!res.destroyed) res.writeHead(answer.statusCode, out);
          const kept: Buffer[] = [];
          answer.body.on('data', (chunk: Buffer) => {
            call.bytes += chunk.length;
            if (call.kind === 'submit') kept.push(chunk);
            if (!res.destroyed && !res.write(chunk)) {
              answer.body.pause();
              res.once('drain', () => answer.body.resume());
            }
          });
          // A client gone meanwhile: read on (the bytes and a late job id still count).
          res.on('close', () => answer.body.resume());
          answer.body.on('end', () => {
            call.endMs = performance.now();
            if (call.kind === 'submit') {
              const id = /"job_id"\s*:\s*(\d+)/.exec(Buffer.concat(kept).toString('utf8'))?.[1];
              if (id !== undefined) call.jobId = Number(id);
            }
            if (!res.destroyed) res.end();
          });
          answer.body.on('error', () => res.destroy());
        })
        .catch(() => {
          call.endMs = performance.now();
          res.destroy();
        });
    });
  });
  // The deployer may wait minutes for an answer: no server-side limit on a request's time.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        void dispatcher.close();
      }),
  };
}

/** Calls by kind, and the longest time without a successful poll between `fromMs` and `toMs`. */
export function wireSummary(calls: readonly WireCall[], fromMs: number, toMs: number) {
  const inside = calls.filter((c) => c.startMs >= fromMs && c.startMs <= toMs);
  const byKind: Partial<Record<CallKind, number>> = {};
  for (const c of inside) byKind[c.kind] = (byKind[c.kind] ?? 0) + 1;
  const allEnds = calls.filter(isPoll).map((c) => c.endMs as number).sort((a, b) => a - b);
  const pollEnds = allEnds.filter((t) => t >= fromMs && t <= toMs);
  // A gap that began before the window counts from the poll before it.
  let last = allEnds.filter((t) => t < fromMs).at(-1) ?? fromMs;
  let maxGapMs = 0;
  for (const t of [...pollEnds, toMs]) {
    maxGapMs = Math.max(maxGapMs, t - last);
    last = t;
  }
  return { byKind, polls: pollEnds.length, maxGapMs, bytes: inside.reduce((sum, c) => sum + c.bytes, 0) };
}
