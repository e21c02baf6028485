// test/runtimes/probe_cli.mjs: the probe as a script for Node, Deno and Bun; prints one JSON line for the test to judge.
//   node|bun test/runtimes/probe_cli.mjs [--vad] [BUNDLE]      deno run --allow-read test/runtimes/probe_cli.mjs [--vad] [BUNDLE]
// BUNDLE: an absolute path to the library file to import (default: dist/index.js, with --vad dist/vad.js). Models are
// passed to the library as paths, so its own file reading is what runs; the npy/json/wav fixtures are read with the
// runtime's native API. --vad runs probe_vad.mjs instead of probe.mjs (with a BUNDLE, the inline entry alone in a
// folder, its stream uses the fixture model: no dist/models/ beside it).
import { probe } from './probe.mjs';
import { probeVad } from './probe_vad.mjs';

const { Deno, Bun } = globalThis;
const argv = Deno ? Deno.args : process.argv.slice(2);
const vad = argv[0] === '--vad', args = vad ? argv.slice(1) : argv;
const bundle = args[0] ? `file://${args[0]}` : new URL(`../../dist/${vad ? 'vad' : 'index'}.js`, import.meta.url).href;
const lib = await import(bundle);
const path = (rel) => decodeURIComponent(new URL(`../fixtures/${rel}`, import.meta.url).pathname);
const bytes = Deno ? (rel) => Deno.readFile(path(rel))
  : Bun ? (rel) => Bun.file(path(rel)).bytes()
  : async (rel) => new Uint8Array(await (await import('node:fs/promises')).readFile(path(rel)));
const runtime = Deno ? `Deno ${Deno.version.deno}` : Bun ? `Bun ${Bun.version}` : `Node ${process.version}`;
const result = vad ? await probeVad(lib, path, bytes, { defaultModel: !args[0] }) : await probe(lib, path, bytes);
console.log(JSON.stringify({ runtime, bundle, ...result }));
