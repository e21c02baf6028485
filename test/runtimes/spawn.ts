// test/runtimes/spawn.ts: run another runtime's binary (from its npm package) and fail with its own words when it cannot.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const repo = fileURLToPath(new URL('../../', import.meta.url));

/** node_modules/.bin/<name>: a missing binary is a failure that says which package to install, never a skip. */
export function bin(name: string, pkg = name): string {
  const path = `${repo}node_modules/.bin/${name}`;
  if (!existsSync(path)) throw new Error(`${name} is not installed (devDependency '${pkg}'): run npm ci`);
  return path;
}

export interface Ran { code: number; stdout: string; stderr: string }

/** Runs `cmd args` in the repo; resolves with its exit code and output (a timeout or spawn error rejects, with stderr). */
export function run(cmd: string, args: string[], opts: { timeout?: number; env?: Record<string, string>; cwd?: string } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, {
      cwd: opts.cwd ?? repo, timeout: opts.timeout ?? 60_000, maxBuffer: 64 << 20, env: { ...process.env, ...opts.env },
    }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { killed?: boolean; signal?: string }) | null;
      if (e && (typeof e.code !== 'number' || e.killed)) {
        reject(new Error(`${cmd} ${args.join(' ')} could not run: ${e.killed ? `killed (${e.signal}) after timeout` : e.message}\n${stderr}`));
      } else {
        resolve({ code: e ? (e.code as unknown as number) : 0, stdout, stderr });
      }
    });
  });
}

/** Like run, but a non-zero exit is an error quoting the child's stderr. */
export async function runOk(cmd: string, args: string[], opts: Parameters<typeof run>[2] = {}): Promise<Ran> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}\nstderr: ${r.stderr.slice(-3000)}\nstdout: ${r.stdout.slice(-1000)}`);
  return r;
}

/** A scratch folder of the tests, out/<name>/ (git-ignored), emptied first. */
export function scratch(name: string): string {
  const dir = `${repo}out/${name}/`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** dist/inline.js copied alone into out/inline-<runtime>/: no lstm.wasm beside it, so it must run on what it embeds. */
export function inlineAlone(runtime: string): string {
  const file = `${scratch(`inline-${runtime}`)}inline.js`;
  copyFileSync(`${repo}dist/inline.js`, file);
  return file;
}
