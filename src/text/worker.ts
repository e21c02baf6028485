// text/worker.ts: a Hogwild word2vec worker (dist/w2v-worker.js) — instantiates the shared-memory core on the memory it
// is sent, then trains each job it is sent on the weights there, as word2vec.c's and gensim's threads do (no locks).
// Runs as a Node worker_threads worker or a browser module Web Worker. Messages in: { module, memory } once, then
// { id, cfg, words, bounds, s0, s1, alpha }; out: { ready } once, then { id, effective } (or { error }).

type Train = (cfg: number, words: number, bounds: number, s0: number, s1: number, a0: number, a1: number) => number;
interface Job { id: number; cfg: number; words: number; bounds: number; s0: number; s1: number; alpha: number }

let post: (m: unknown) => void = () => {};
let train: Train | undefined;

async function handle(m: { module?: WebAssembly.Module; memory?: WebAssembly.Memory } & Partial<Job>): Promise<void> {
  try {
    if (m.module) {
      const instance = await WebAssembly.instantiate(m.module, { env: { memory: m.memory! } });
      train = (instance.exports as { w2v_train_f32: Train }).w2v_train_f32;
      post({ ready: true });
      return;
    }
    const j = m as Job;
    post({ id: j.id, effective: train!(j.cfg, j.words, j.bounds, j.s0, j.s1, j.alpha, j.alpha) });
  } catch (e) {
    post({ id: m.id, error: `${(e as Error).name}: ${(e as Error).message}` });
  }
}

const g = globalThis as unknown as { process?: { versions?: { node?: string } }; postMessage(m: unknown): void; onmessage: unknown };
if (typeof g.process?.versions?.node === 'string') {
  import('node:worker_threads').then(({ parentPort }) => {
    post = (m) => parentPort!.postMessage(m);
    parentPort!.on('message', (m) => void handle(m));
  });
} else {
  post = (m) => g.postMessage(m);
  g.onmessage = (e: MessageEvent) => void handle(e.data);
}
