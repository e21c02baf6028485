#!/usr/bin/env node
// bin/lstm-wasm.js: CLI entry; the commands live in src/cli (bundled to dist/cli.js).
import { main } from '../dist/cli.js';

process.exitCode = await main(process.argv.slice(2));
