// errors.ts: the one error class the library throws, with stable codes a caller can switch on.

/**
 * - `FORMAT`: the file's bytes do not follow its format (truncated, bad header, offsets out of range).
 * - `MODEL`: the file parses but the model is inconsistent (missing or unknown weight, wrong shape, NaN weight).
 * - `UNSUPPORTED`: a valid construct this runtime does not implement (dtype, op, attribute value).
 * - `INPUT`: a feed is missing, unknown, or of the wrong type, rank, size or value.
 * - `OPTION`: an option passed to the API or CLI is unknown or has a bad value.
 * - `MEMORY`: the wasm memory cannot hold what was asked.
 * - `RELEASED`: the session was released.
 * - `RUNTIME`: the wasm module cannot be loaded or instantiated.
 * - `IO`: a file or URL cannot be read or written.
 * - `MISMATCH`: (CLI `--expect`) an output differs from the expected array beyond the tolerance.
 * - `NUMERIC`: a computation gave NaN where a decision needs a number (e.g. the scores decoding picks from).
 * - `ABORTED`: the run's AbortSignal fired; the session is still usable.
 */
export type ErrorCode =
  | 'FORMAT' | 'MODEL' | 'UNSUPPORTED' | 'INPUT' | 'OPTION' | 'MEMORY' | 'RELEASED' | 'RUNTIME' | 'IO' | 'MISMATCH' | 'NUMERIC' | 'ABORTED';

export class LstmWasmError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'LstmWasmError';
    this.code = code;
  }
}

/** Throws `LstmWasmError(code, message)` unless `ok`. */
export function check(ok: unknown, code: ErrorCode, message: string | (() => string)): asserts ok {
  if (!ok) throw new LstmWasmError(code, typeof message === 'string' ? message : message());
}

/** Shape as PyTorch and NumPy print it: [2, 3, 4]. */
export function fmtDims(dims: readonly (number | string)[]): string {
  return `[${dims.join(', ')}]`;
}
