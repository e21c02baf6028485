// test/runtimes/probe_cli.mjs: the probe as a script for Node, Deno and Bun; prints one JSON line for the test to judge.
//   node|bun test/runtimes/probe_cli.mjs [BUNDLE]      deno run --allow-read test/runtimes/probe_cli.mjs [BUNDLE]
// BUNDLE: an absolute path to the library file to import (default: dist/index.js). Models are passed to the library as
// paths, so its own file reading is what runs; the npy/json fixtures are read with the runtime's native API.
import { probe } from './probe.mjs';

const { Deno, Bun } = globalThis;
const args = Deno ? Deno.args : process.argv.slice(2);
const bundle = args[0] ? `file://${args[0]}` : new URL('../../dist/index.js', import.meta.url).href;
const lib = await import(bundle);
const path = (rel) => decodeURIComponent(new URL(`../fixtures/${rel}`, import.meta.url).pathname);
const bytes = Deno ? (rel) => Deno.readFile(path(rel))
  : Bun ? (rel) => Bun.file(path(rel)).bytes()
  : async (rel) => new Uint8Array(await (await import('node:fs/promises')).readFile(path(rel)));
const runtime = Deno ? `Deno ${Deno.version.deno}` : Bun ? `Bun ${Bun.version}` : `Node ${process.version}`;
console.log(JSON.stringify({ runtime, bundle, ...(await probe(lib, path, bytes)) }));
