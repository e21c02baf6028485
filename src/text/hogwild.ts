// text/hogwild.ts: word2vec's jobs shared among worker threads that update one set of weights without locks (Hogwild,
// as word2vec.c and gensim do) — Node worker_threads or browser module Web Workers on a shared wasm memory.
import { LstmWasmError } from '../errors.js';
import type { TextCore } from './core.js';
import type { Layout } from './word2vec_setup.js';

export interface Job { s0: number; s1: number; alpha: number; epoch: number; words: number }

interface Port { post(m: unknown): void; terminate(): void }

/** Starts a worker running dist/w2v-worker.js; `onMessage` gets its replies, `onError` its crash. */
async function spawn(onMessage: (m: Record<string, unknown>) => void, onError: (e: Error) => void): Promise<Port> {
  const url = new URL('./w2v-worker.js', import.meta.url);
  if (typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string') {
    const { Worker } = await import('node:worker_threads');
    const w = new Worker(url);
    w.on('message', onMessage);
    w.on('error', onError);
    return { post: (m) => w.postMessage(m), terminate: () => void w.terminate() };
  }
  const W = (globalThis as { Worker?: typeof Worker }).Worker;
  if (!W) throw new LstmWasmError('UNSUPPORTED', 'workers > 1: this environment has no Web Workers; train with workers: 1');
  const w = new W(url, { type: 'module' });
  w.onmessage = (e) => onMessage(e.data);
  w.onerror = (e) => onError(new Error(e.message));
  return { post: (m) => w.postMessage(m), terminate: () => w.terminate() };
}

/**
 * Runs the jobs in order on one worker per config block; `done` is called (on this thread) as each job finishes, in
 * the order they finish. Resolves with the words kept by subsampling.
 */
export async function trainInWorkers(rt: TextCore, lay: Layout, jobs: Job[], done: (job: Job) => void | Promise<void>): Promise<number> {
  let next = 0, effective = 0, failed: Error | undefined;
  const ports: Port[] = [];
  try {
    await Promise.all(lay.cfgs.map(async (cfg) => {
      let resolve!: (m: Record<string, unknown>) => void, reject!: (e: Error) => void;
      const reply = () => new Promise<Record<string, unknown>>((ok, ko) => ([resolve, reject] = [ok, ko]));
      let pending = reply();
      const port = await spawn((m) => resolve(m), (e) => reject(e));
      ports.push(port);
      port.post({ module: rt.module, memory: rt.memory });
      const ready = await pending;
      if (ready.error) throw new LstmWasmError('RUNTIME', `a word2vec worker could not start: ${String(ready.error)}`);
      while (next < jobs.length && !failed) {
        const id = next++, j = jobs[id];
        pending = reply();
        port.post({ id, cfg, words: lay.words, bounds: lay.bounds, s0: j.s0, s1: j.s1, alpha: j.alpha });
        const m = await pending;
        if (m.error) throw new LstmWasmError('RUNTIME', `a word2vec worker failed: ${String(m.error)}`);
        effective += m.effective as number;
        await done(j);
      }
    }));
  } catch (e) {
    failed = e as Error;
    throw e instanceof LstmWasmError ? e : new LstmWasmError('RUNTIME', `a word2vec worker failed: ${(e as Error).message}`);
  } finally {
    for (const p of ports) p.terminate();
  }
  return effective;
}
