// test/runtimes/probe_worker.mjs: the probe inside a module Web Worker (no DOM; fetch resolves against the worker's URL).
// probe_worker.mjs?vad runs probe_vad.mjs with dist/vad.js instead (its default model fetched from dist/models/).
import { probe } from './probe.mjs';
import { probeVad } from './probe_vad.mjs';

const vad = new URL(import.meta.url).searchParams.has('vad');
const url = (rel) => `/test/fixtures/${rel}`;
const bytes = async (rel) => new Uint8Array(await (await fetch(url(rel))).arrayBuffer());
(vad ? import('../../dist/vad.js').then((lib) => probeVad(lib, url, bytes)) : import('../../dist/index.js').then((lib) => probe(lib, url, bytes))).then(
  (result) => postMessage({ result }),
  (e) => postMessage({ error: `${e.name}${e.code ? ` ${e.code}` : ''}: ${e.message}` }),
);
