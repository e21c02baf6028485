// test/runtimes/probe_worker.mjs: the probe inside a module Web Worker (no DOM; fetch resolves against the worker's URL).
import * as lib from '../../dist/index.js';
import { probe } from './probe.mjs';

const url = (rel) => `/test/fixtures/${rel}`;
const bytes = async (rel) => new Uint8Array(await (await fetch(url(rel))).arrayBuffer());
probe(lib, url, bytes).then(
  (result) => postMessage({ result }),
  (e) => postMessage({ error: `${e.name}${e.code ? ` ${e.code}` : ''}: ${e.message}` }),
);
