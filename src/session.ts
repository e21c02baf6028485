// session.ts: InferenceSession — create from a model, run(feeds), release(); shaped like onnxruntime-web's.
import { LstmWasmError, check } from './errors.js';
import { type LoadOptions, loadModel, prefetchImporter } from './formats/load.js';
import { HEADS, OUTPUTS } from './formats/torch.js';
import { type ByteSource, readBytes } from './io.js';
import { Executor, type Feeds } from './model/exec.js';
import type { RecurrentState } from './model/state.js';
import type { Model, ValueInfo } from './model/types.js';
import { Runtime, type WasmSource, compileCore } from './runtime.js';
import type { Tensor } from './tensor.js';

export interface SessionOptions extends LoadOptions {
  /**
   * The wasm core: a compiled `WebAssembly.Module` (required on Cloudflare Workers, which cannot compile
   * at run time), its bytes, or a URL/path. Default: `lstm.wasm` beside this bundle.
   */
  wasm?: WasmSource;
  /** Reject NaN and ±Infinity in float inputs with an INPUT error (default true). */
  checkFinite?: boolean;
  /**
   * 'int8': quantize the recurrent weights (Wx, Wh) per output row when the model loads and compute with int16 x
   * int8 dot products — a quarter of the weight memory, faster where weights do not fit in cache, outputs within
   * about 1e-2 of float32. Default 'float32'.
   */
  weights?: 'float32' | 'int8';
  /**
   * The most wasm memory the session may hold (weights, state, the run region), checked before every allocation:
   * a model or an input that would need more is refused with a MEMORY error saying what was asked. Default 1 GiB;
   * at most 4 GiB (wasm32).
   */
  maxMemoryBytes?: number;
}

const OPTION_KEYS = ['format', 'wasm', 'checkFinite', 'nonlinearity', 'batchFirst', 'head', 'output', 'weights', 'maxMemoryBytes'];

function checkOptions(options: SessionOptions): void {
  check(options !== null && typeof options === 'object', 'OPTION', 'options must be an object');
  for (const key of Object.keys(options)) {
    check(OPTION_KEYS.includes(key), 'OPTION', `unknown option '${key}'; known: ${OPTION_KEYS.join(', ')}`);
  }
  const { nonlinearity, batchFirst, checkFinite, format } = options;
  check(format === undefined || format === 'safetensors' || format === 'onnx' || format === 'tfjs', 'OPTION',
    `format must be 'safetensors', 'onnx' or 'tfjs', got ${JSON.stringify(format)}`);
  check(nonlinearity === undefined || nonlinearity === 'tanh' || nonlinearity === 'relu', 'OPTION',
    `nonlinearity must be 'tanh' or 'relu', got ${JSON.stringify(nonlinearity)}`);
  check(batchFirst === undefined || typeof batchFirst === 'boolean', 'OPTION', `batchFirst must be a boolean, got ${JSON.stringify(batchFirst)}`);
  check(options.head === undefined || HEADS.includes(options.head), 'OPTION',
    `head must be one of ${HEADS.map((h) => `'${h}'`).join(', ')}, got ${JSON.stringify(options.head)}`);
  check(options.output === undefined || Object.hasOwn(OUTPUTS, options.output), 'OPTION',
    `output must be one of ${Object.keys(OUTPUTS).map((o) => `'${o}'`).join(', ')}, got ${JSON.stringify(options.output)}`);
  check(options.maxMemoryBytes === undefined || (Number.isSafeInteger(options.maxMemoryBytes) && options.maxMemoryBytes >= 2 ** 20 && options.maxMemoryBytes <= 2 ** 32),
    'OPTION', `maxMemoryBytes must be an integer from 1 MiB to 4 GiB, got ${JSON.stringify(options.maxMemoryBytes)}`);
  check(checkFinite === undefined || typeof checkFinite === 'boolean', 'OPTION', `checkFinite must be a boolean, got ${JSON.stringify(checkFinite)}`);
  check(options.weights === undefined || options.weights === 'float32' || options.weights === 'int8', 'OPTION',
    `weights must be 'float32' or 'int8', got ${JSON.stringify(options.weights)}`);
}

export class InferenceSession {
  /** The canonical model this session runs (what `lstm-wasm info` prints). */
  readonly model: Model;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly ValueInfo[];
  readonly outputMetadata: readonly ValueInfo[];
  private rt: Runtime | undefined;
  private exec: Executor | undefined;

  private constructor(rt: Runtime, model: Model, options: SessionOptions) {
    this.rt = rt;
    rt.maxMemoryBytes = options.maxMemoryBytes ?? rt.maxMemoryBytes;
    this.model = model;
    this.exec = new Executor(rt, model, { checkFinite: options.checkFinite, weights: options.weights });
    this.inputNames = Object.freeze(model.inputs.map((i) => i.name));
    this.outputNames = Object.freeze(model.outputs.map((o) => o.name));
    this.inputMetadata = Object.freeze(model.inputs);
    this.outputMetadata = Object.freeze(model.outputs);
  }

  /**
   * Loads a model: a path (Node, Deno, Bun), a URL, its bytes, or an already-built canonical `Model`.
   * Each session has its own wasm instance and memory, so sessions never disturb each other.
   */
  static async create(model: ByteSource | Model, options: SessionOptions = {}): Promise<InferenceSession> {
    checkOptions(options);
    const name = typeof model === 'string' ? model : model instanceof URL ? model.href : 'model';
    if (!isModel(model)) prefetchImporter(name, options.format);
    // the core compiles while the model loads; its instance (and wasm memory) only once the model is good, so a
    // malformed file costs no memory
    const [m, module] = await Promise.all([
      isModel(model) ? model : readBytes(model).then((b) => loadModel(b, options, name)),
      compileCore(options.wasm),
    ]);
    return new InferenceSession(await Runtime.create(module), m, options);
  }

  private live(): Executor {
    if (!this.exec) throw new LstmWasmError('RELEASED', 'this session was released; create a new one');
    return this.exec;
  }

  /**
   * Runs the model; returns the outputs named in `fetches` (all by default) as new tensors. Leaves the step() state
   * alone. Runs on one session execute one at a time, in call order. `options.signal` (an AbortSignal) stops a long
   * run between kernel calls and between the 512-step chunks of a long sequence: an ABORTED error.
   */
  async run(feeds: Feeds, fetches?: readonly string[], options?: RunOptions): Promise<Record<string, Tensor>> {
    const signal = runSignal(options);
    return signal ? this.live().runAbortable(feeds, fetches, false, signal) : this.live().run(feeds, fetches);
  }

  /**
   * Runs the model on the next piece of a stream: one or more time steps. Every recurrent layer starts from the
   * state the previous step() left (the model's initial state on the first) and keeps its final (h, c) in wasm for the
   * next, so feeding a sequence in pieces gives the outputs of feeding it whole. Outputs that read the whole
   * sequence (a mean over time, the last step) see only this piece. Forward-only models: a bidirectional or reverse
   * layer reads from the end and cannot stream.
   */
  async step(feeds: Feeds, fetches?: readonly string[], options?: RunOptions): Promise<Record<string, Tensor>> {
    const signal = runSignal(options);
    return signal ? this.live().runAbortable(feeds, fetches, true, signal) : this.live().run(feeds, fetches, true);
  }

  /** The state step() carries, per recurrent node (by name): h and, for an LSTM, c, shaped as the node's h_n / c_n; {} before the first step. */
  getState(): RecurrentState {
    return this.live().getState();
  }

  /** Sets the state the next step() continues from, e.g. a getState() snapshot; every recurrent node's h (and c) must be given. */
  setState(state: RecurrentState): void {
    this.live().setState(state);
  }

  /**
   * Keeps the batch items `rows` of the carried state, in that order: item i of the next step() continues old item
   * rows[i]. Rows may repeat or be left out, so the batch may grow or shrink (beam search reorders its hypotheses so).
   */
  selectState(rows: readonly number[]): void {
    this.live().selectState(rows);
  }

  /** Increments whenever the step() state changes (step, setState, selectState, resetState): a stream can check that no one else moved it. */
  get stateVersion(): number {
    return this.live().stateVersion;
  }

  /** Forgets the carried state: the next step() starts over from the model's initial state. */
  resetState(): void {
    this.live().resetState();
  }

  /** Bytes of wasm memory this session holds (weights plus the largest run so far). */
  get memoryBytes(): number {
    return this.rt?.memoryBytes ?? 0;
  }

  /** Drops the session's wasm instance and memory; further calls throw RELEASED. */
  async release(): Promise<void> {
    this.exec = undefined;
    this.rt = undefined;
  }
}

/** Options of one run. */
export interface RunOptions {
  /** Stops the run (an ABORTED error) when it fires; a step() stopped half-way forgets the carried state. */
  signal?: AbortSignal;
}

function runSignal(options: RunOptions | undefined): AbortSignal | undefined {
  if (options === undefined) return undefined;
  check(options !== null && typeof options === 'object', 'OPTION', 'run options must be an object');
  for (const k of Object.keys(options)) check(k === 'signal', 'OPTION', () => `unknown run option '${k}'; known: signal`);
  const s = options.signal;
  check(s === undefined || (typeof s === 'object' && s !== null && typeof s.aborted === 'boolean'), 'OPTION', 'signal must be an AbortSignal');
  return s;
}

function isModel(x: unknown): x is Model {
  return typeof x === 'object' && x !== null && Array.isArray((x as Model).nodes) && Array.isArray((x as Model).inputs);
}
