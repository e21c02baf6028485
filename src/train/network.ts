// train/network.ts: a sequential network built with the layers API — parameters in wasm, forward, backward (BPTT),
// weights in and out by PyTorch state-dict names. The optimizers (optim.ts) and fit() (fit.ts) drive it.
import { LstmWasmError, check, fmtDims } from '../errors.js';
import { Rng } from '../decode/rng.js';
import { Runtime, type WasmSource } from '../runtime.js';
import { Tensor } from '../tensor.js';
import { DenseImpl, DropoutImpl, EmbeddingImpl } from './basic.js';
import { type Act, type LayerImpl, type Run, type TrainCore, trainCore, trainWasm } from './core.js';
import { type LayerConfig, type RecurrentConfig, nameLayers } from './layers.js';
import { type Loss, computeLoss, lossSpec, userDims } from './loss.js';
import { ParamStore } from './params.js';
import { RecurrentImpl } from './recurrent.js';
import { saveSafetensors } from './save.js';
import { type OnnxExportOptions, exportOnnx } from './onnx_export.js';
import type { FileSource } from './file_source.js';

export interface SequentialOptions {
  /** Features per step of a float input; required unless the first layer is an embedding. */
  inputSize?: number;
  /** Inputs, sequence outputs and sequence targets are (batch, time, …) (default) or (time, batch, …). */
  batchFirst?: boolean;
  /** Seeds the initial weights and the dropout masks (default 0). */
  seed?: number;
  /** The training core: lstm-train.wasm as a compiled module, its bytes or a URL/path (default: beside this bundle). */
  wasm?: WasmSource;
}

/** What a forward or backward call takes besides the input: per-item valid steps and whether dropout is on. */
export interface RunOptions {
  /** Valid steps of each item, 1..T (steps after them are padding: outputs zero, no gradient through them). */
  lengths?: ArrayLike<number | bigint> | Tensor;
  /** Dropout active (default: true in backward/trainStep, false in forward). */
  training?: boolean;
}

const SEQ_OPTIONS = ['inputSize', 'batchFirst', 'seed', 'wasm'];

export class Network {
  readonly layers: readonly (LayerConfig & { name: string })[];
  readonly batchFirst: boolean;
  /** 'ids' (the first layer is an embedding) or 'float' (inputSize features per step). */
  readonly input: { kind: 'ids'; vocab: number } | { kind: 'float'; size: number };
  readonly params: ParamStore;
  /** Output width, and whether the output is a sequence or one row per item. */
  readonly outputSize: number;
  readonly outputSeq: boolean;
  readonly core: TrainCore;
  /** __metadata__ written back by save() (a loaded file's own, e.g. its vocabulary or head settings). */
  metadata: Record<string, string> = {};
  /**
   * The ONNX or Keras / TF.js file the network was loaded from (loadNetwork): its weight names and layouts, used by
   * fileWeights(), fileGradients(), save() and saveFiles(). Undefined for a network built in code or from safetensors.
   */
  source: FileSource | undefined;
  private readonly impls: LayerImpl[];
  private readonly top: number;
  private packed = -1;
  private readonly rng: Rng;
  private rt: Runtime | undefined;
  private run: Run | undefined;
  private out: Act | undefined;
  private inGrad: { ptr: number; F: number } | undefined;

  private constructor(rt: Runtime, layers: readonly LayerConfig[], options: SequentialOptions) {
    this.rt = rt;
    this.core = trainCore(rt);
    check(Array.isArray(layers) && layers.length > 0, 'OPTION', 'sequential(layers): give at least one layer');
    const names = nameLayers(layers);
    this.layers = layers.map((l, i) => ({ ...l, name: names[i] }));
    this.batchFirst = options.batchFirst ?? true;
    const seed = options.seed ?? 0;
    this.rng = new Rng(seed);
    const init = new Rng(seed + 1);
    const first = layers[0];
    if (first.type === 'embedding') this.input = { kind: 'ids', vocab: first.numEmbeddings };
    else {
      check(Number.isSafeInteger(options.inputSize) && options.inputSize! >= 1, 'OPTION',
        `sequential: inputSize (features per step) is required when the first layer is not an embedding, got ${String(options.inputSize)}`);
      this.input = { kind: 'float', size: options.inputSize! };
    }
    this.impls = [];
    let size = this.input.kind === 'ids' ? 0 : this.input.size, seq = true;
    this.layers.forEach((l, i) => {
      const where = `layer ${i} (${l.name})`;
      let impl: LayerImpl;
      if (l.type === 'embedding') {
        check(i === 0, 'OPTION', `${where}: an embedding must be the first layer`);
        impl = new EmbeddingImpl(this.core, l, l.name, init);
      } else if (l.type === 'recurrent') {
        check(seq, 'OPTION', `${where}: a recurrent layer needs a sequence, but the layer before it gives one row per item (output '${(this.layers.find((x) => x.type === 'recurrent') as RecurrentConfig).output}')`);
        impl = new RecurrentImpl(rt, this.core, l, l.name, size, init);
        (impl as RecurrentImpl).readsEmbedding = i === 1 && layers[0].type === 'embedding';
      } else if (l.type === 'dense') {
        impl = new DenseImpl(rt, this.core, l, l.name, size, seq, init);
      } else {
        impl = new DropoutImpl(this.core, l, l.name, size, seq);
      }
      size = impl.outSize;
      seq = impl.outSeq;
      this.impls.push(impl);
    });
    this.outputSize = size;
    this.outputSeq = seq;
    this.params = new ParamStore(rt, this.impls.flatMap((l) => l.specs()));
    for (const l of this.impls) l.bind(this.params);
    this.top = rt.mark();
  }

  /** Builds a network from layer configs (embedding, lstm, gru, rnn, dropout, dense), initialised as PyTorch does. */
  static async create(layers: readonly LayerConfig[], options: SequentialOptions = {}): Promise<Network> {
    check(options !== null && typeof options === 'object', 'OPTION', 'sequential: options must be an object');
    for (const k of Object.keys(options)) check(SEQ_OPTIONS.includes(k), 'OPTION', `sequential: unknown option '${k}'; known: ${SEQ_OPTIONS.join(', ')}`);
    check(options.batchFirst === undefined || typeof options.batchFirst === 'boolean', 'OPTION', 'sequential: batchFirst must be a boolean');
    return new Network(await Runtime.create(options.wasm ?? (await trainWasm())), layers, options);
  }

  private runtime(): Runtime {
    if (!this.rt) throw new LstmWasmError('RELEASED', 'this network was released');
    return this.rt;
  }

  /** The recurrent layers, in order. */
  recurrentLayers(): RecurrentImpl[] {
    return this.impls.filter((l): l is RecurrentImpl => l instanceof RecurrentImpl);
  }

  /** Starts a run: checks and uploads the input (time-major) and lengths, repacks weights that changed. */
  private begin(input: Tensor, opts: RunOptions, training: boolean): Act {
    const rt = this.runtime();
    check(input !== null && typeof input === 'object' && 'dims' in input && 'data' in input, 'INPUT', 'the input must be a Tensor');
    const bf = this.batchFirst, dims = input.dims;
    let T: number, B: number;
    if (this.input.kind === 'ids') {
      check(input.type === 'int64' || input.type === 'int32', 'INPUT', `the input must be token ids (int64 or int32), got ${input.type}`);
      check(dims.length === 2, 'INPUT', `the input must be 2-D ${bf ? '[B, T]' : '[T, B]'} token ids, got ${fmtDims(dims)}`);
      [B, T] = bf ? [dims[0], dims[1]] : [dims[1], dims[0]];
    } else {
      check(input.type === 'float32', 'INPUT', `the input must be float32, got ${input.type}`);
      check(dims.length === 3 && dims[2] === this.input.size, 'INPUT', `the input must be 3-D ${bf ? '[B, T' : '[T, B'}, ${this.input.size}], got ${fmtDims(dims)}`);
      [B, T] = bf ? [dims[0], dims[1]] : [dims[1], dims[0]];
    }
    check(T >= 1 && B >= 1, 'INPUT', `the input ${fmtDims(dims)} needs at least one step and one item`);
    rt.reset(this.top);
    const alloc = (bytes: number, what: string) => rt.alloc(bytes, what);
    if (this.packed !== this.params.version) {
      for (const l of this.impls) l.pack();
      this.packed = this.params.version;
    }
    let lens = 0;
    if (opts.lengths !== undefined) {
      const l = opts.lengths as { data?: unknown }, src = (l !== null && typeof l === "object" && "dims" in l ? l.data : l) as ArrayLike<number | bigint>;
      check(src.length === B, 'INPUT', `lengths must hold one length per item (${B}), got ${src.length}`);
      lens = alloc(B * 4, 'lengths');
      const v = rt.i32(lens, B);
      for (let b = 0; b < B; b++) {
        const n = Number(src[b]);
        check(Number.isInteger(n) && n >= 1 && n <= T, 'INPUT', `lengths[${b}] = ${src[b]} is outside 1..${T} (T)`);
        v[b] = n;
      }
    }
    this.run = { rt, core: this.core, k: rt.k, T, B, lens, training, rng: this.rng, alloc };
    const n = T * B;
    const at = (t: number, b: number) => (bf ? b * T + t : t * B + b); // user index of step t, item b
    if (this.input.kind === 'ids') {
      const ids = alloc(n * 4, 'token ids'), view = rt.i32(ids, n), src = input.data as ArrayLike<number | bigint>, V = this.input.vocab;
      for (let t = 0; t < T; t++) {
        for (let b = 0; b < B; b++) {
          const v = Number(src[at(t, b)]);
          if (!(Number.isInteger(v) && v >= 0 && v < V)) throw new LstmWasmError('INPUT', `the input has token id ${src[at(t, b)]} at flat index ${at(t, b)}; ids must be in 0..${V - 1}`);
          view[t * B + b] = v;
        }
      }
      const emb = this.impls[0] as EmbeddingImpl;
      emb.ids = ids;
      // project each vocabulary row once instead of every token (core.ts Run.embed); not when the gradient reaching
      // each token is asked for
      if (this.impls[1] instanceof RecurrentImpl && V < n && !(opts as { inputGradient?: boolean }).inputGradient) {
        this.run.embed = { ids, ...emb.fused() };
      }
      return { seq: true, ptr: 0, T, B, F: 0 };
    }
    const I = this.input.size, x = alloc(n * I * 4, 'input'), view = rt.f32(x, n * I), src = input.data as Float32Array;
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const s = at(t, b) * I;
        for (let i = 0; i < I; i++) {
          const v = src[s + i];
          if (!Number.isFinite(v)) throw new LstmWasmError('INPUT', `the input has ${v} at flat index ${s + i}; inputs must be finite`);
        }
        view.set(src.subarray(s, s + I), (t * B + b) * I);
      }
    }
    return { seq: true, ptr: x, T, B, F: I };
  }

  private forwardRun(input: Tensor, opts: RunOptions, training: boolean): Act {
    let x = this.begin(input, opts, training);
    for (const l of this.impls) x = l.forward(this.run!, x);
    this.out = x;
    return x;
  }

  /** The output as a Tensor in the user's layout. */
  private outputTensor(out: Act): Tensor {
    const rt = this.runtime(), dims = userDims(out, this.batchFirst);
    const src = rt.f32(out.ptr, dims.reduce((a, b) => a * b, 1));
    if (!out.seq || !this.batchFirst) return new Tensor('float32', src.slice(), dims);
    const { T, B, F } = out, data = new Float32Array(T * B * F);
    for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) data.set(src.subarray((t * B + b) * F, (t * B + b + 1) * F), (b * T + t) * F);
    return new Tensor('float32', data, dims);
  }

  /** Runs the network (dropout off unless opts.training): (B, T, O) / (T, B, O) for a sequence output, else (B, O). */
  forward(input: Tensor, opts: RunOptions = {}): Tensor {
    return this.outputTensor(this.forwardRun(input, opts, opts.training ?? false));
  }

  /**
   * Forward, loss, and backpropagation through every layer: adds d(mean loss)/d(weight) to the gradients (zeroGrad()
   * first to start over, as in PyTorch) and returns the loss.
   */
  backward(input: Tensor, target: Tensor, loss: Loss, opts: RunOptions & { inputGradient?: boolean } = {}): number {
    const spec = lossSpec(loss);
    const out = this.forwardRun(input, opts, opts.training ?? true);
    const run = this.run!;
    const { loss: value, dOut } = computeLoss(run, out, target, spec, this.batchFirst);
    let dy = dOut;
    this.inGrad = undefined;
    for (let i = this.impls.length - 1; i >= 0; i--) {
      const impl = this.impls[i];
      if (i === 0 && opts.inputGradient && impl instanceof EmbeddingImpl) this.inGrad = { ptr: dy, F: impl.outSize };
      const needDx = (i === 0 && !!opts.inputGradient) || this.impls.slice(0, i).some((l) => l.specs().length > 0 || l instanceof EmbeddingImpl);
      dy = impl.backward(run, dy, needDx);
      if (i === 0 && opts.inputGradient && !(impl instanceof EmbeddingImpl)) this.inGrad = { ptr: dy, F: (this.input as { size: number }).size };
      if (!needDx) break;
    }
    return value;
  }

  /**
   * d loss / d input of the last backward({ inputGradient: true }): per step and item, (B, T, F) or (T, B, F) — F the
   * input width, or the embedding width for token ids (the gradient reaching each step's embedded token).
   */
  inputGradient(): Tensor {
    check(this.inGrad && this.run, 'INPUT', 'no input gradient: call backward(…, { inputGradient: true }) first');
    const { T, B } = this.run;
    return this.outputTensor({ seq: true, ptr: this.inGrad.ptr, T, B, F: this.inGrad.F });
  }

  /** The mean loss of the network on input against target, without gradients (dropout off unless opts.training). */
  evaluate(input: Tensor, target: Tensor, loss: Loss, opts: RunOptions = {}): number {
    const spec = lossSpec(loss);
    const out = this.forwardRun(input, opts, opts.training ?? false);
    return computeLoss(this.run!, out, target, spec, this.batchFirst).loss;
  }

  /**
   * on: every run starts from the final state of the run before (truncated BPTT over long streams, the state detached:
   * no gradient flows into the previous chunk); off: every run starts from zeros. Unidirectional layers only.
   */
  carryState(on = true): void {
    for (const r of this.recurrentLayers()) {
      check(!on || r.D === 1, 'OPTION', `${r.name}: a bidirectional layer cannot carry its state across runs`);
      r.keepState = on;
      if (!on) r.carry = undefined;
    }
  }

  /** Forgets the carried state: the next run starts from zeros. */
  resetState(): void {
    for (const r of this.recurrentLayers()) r.carry = undefined;
  }

  /** The first weight whose gradient holds NaN or ±Infinity (its canonical flat index and the value), or undefined. */
  nonFiniteGradient(): { name: string; index: number; value: number } | undefined {
    const ps = this.params;
    if (this.core.find_nonfinite_f32(ps.grads, ps.total) < 0) return undefined; // one pass in wasm; the rest only on failure
    for (const p of ps.params) {
      const g = ps.readGrad(p);
      const i = g.findIndex((v) => !Number.isFinite(v));
      if (i >= 0) return { name: p.name, index: i, value: g[i] };
    }
    return undefined;
  }

  /** The weight holding the largest |gradient|, the flat index and the magnitude. */
  largestGradient(): { name: string; index: number; value: number } {
    let best = { name: '', index: -1, value: -1 };
    for (const p of this.params.params) {
      this.params.readGrad(p).forEach((v, i) => {
        if (Math.abs(v) > best.value) best = { name: p.name, index: i, value: Math.abs(v) };
      });
    }
    return best;
  }

  /** The output of the last forward or backward call. */
  lastOutput(): Tensor {
    check(this.out !== undefined, 'INPUT', 'no run yet');
    return this.outputTensor(this.out);
  }

  zeroGrad(): void {
    this.params.zeroGrad();
  }

  /** Copies of every weight, by PyTorch state-dict name, in PyTorch's layout. */
  weights(): Record<string, Tensor> {
    this.runtime();
    return Object.fromEntries(this.params.params.map((p) => [p.name, new Tensor('float32', this.params.read(p), p.dims)]));
  }

  /** Copies of every gradient, by weight name. */
  gradients(): Record<string, Tensor> {
    this.runtime();
    return Object.fromEntries(this.params.params.map((p) => [p.name, new Tensor('float32', this.params.readGrad(p), p.dims)]));
  }

  /**
   * Sets weights by PyTorch state-dict name. strict (default): every weight must be given and no other name, as
   * load_state_dict(strict=True); shapes must match.
   */
  setWeights(weights: Record<string, { dims: readonly number[]; data: unknown }>, strict = true): void {
    this.runtime();
    const names = Object.keys(weights);
    for (const n of names) {
      check(this.params.byName.has(n), 'MODEL', () => `unknown weight '${n}'; this network's weights are ${this.params.params.map((p) => p.name).join(', ')}`);
    }
    if (strict) {
      const missing = this.params.params.filter((p) => !(p.name in weights)).map((p) => p.name);
      check(missing.length === 0, 'MODEL', () => `missing weight${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')}`);
    }
    for (const n of names) {
      const p = this.params.byName.get(n)!, w = weights[n];
      check(w.dims.length === p.dims.length && w.dims.every((d, i) => d === p.dims[i]), 'MODEL',
        () => `weight '${n}' is ${fmtDims(w.dims)}; this network's is ${fmtDims(p.dims)}`);
      check(w.data instanceof Float32Array || w.data instanceof Float64Array || Array.isArray(w.data), 'MODEL',
        () => `weight '${n}' must hold float32 or float64 values`);
      this.params.write(p, w.data as ArrayLike<number>);
    }
  }

  /** The file's weights (or gradients) computed from the network's: by the file's names, in the file's layout. */
  private asInFile(read: (p: string) => Float32Array): Record<string, Tensor> {
    if (!this.source) return Object.fromEntries(this.params.params.map((p) => [p.name, new Tensor('float32', read(p.name), p.dims)]));
    return Object.fromEntries(this.source.weights.map((w) => [w.name, new Tensor('float32', w.fromNetwork(read), w.dims)]));
  }

  /**
   * Copies of every weight as the file the network came from holds it: ONNX initializer names and layouts (W, R, B in
   * ONNX gate order, directions stacked), TF.js weight names (lstm/kernel …). Same as weights() for a network built
   * in code or loaded from safetensors.
   */
  fileWeights(): Record<string, Tensor> {
    this.runtime();
    return this.asInFile((n) => this.params.read(this.params.byName.get(n)!));
  }

  /** Copies of every gradient, by the file's weight names, in the file's layouts (see fileWeights()). */
  fileGradients(): Record<string, Tensor> {
    this.runtime();
    return this.asInFile((n) => this.params.readGrad(this.params.byName.get(n)!));
  }

  /**
   * The network in the format it was loaded from: file name -> bytes. A network loaded from ONNX gives
   * { 'model.onnx' } — the original model with its initializers' values replaced, every node as it was; one from a
   * TF.js model.json gives { 'model.json', 'weights.bin' }; any other { 'model.safetensors' } (see save()).
   */
  saveFiles(): Record<string, Uint8Array> {
    this.runtime();
    if (!this.source) return { 'model.safetensors': saveSafetensors(this) };
    const w = this.fileWeights();
    return this.source.write(new Map(Object.entries(w).map(([k, t]) => [k, t.data as Float32Array])));
  }

  /**
   * The network as one file in the format it was loaded from: ONNX bytes for a network loaded from ONNX (its graph
   * unchanged, the trained values in its initializers), else safetensors with PyTorch's names
   * (torch.nn.Module.load_state_dict(strict=True) takes them). A network from a TF.js model.json is several files:
   * saveFiles(). toOnnx() exports any network as a new ONNX graph.
   */
  save(): Uint8Array {
    this.runtime();
    if (!this.source) return saveSafetensors(this);
    const files = Object.values(this.saveFiles());
    check(files.length === 1, 'OPTION', `this network was loaded from a ${this.source.format === 'tfjs' ? 'TF.js model.json' : this.source.format} model, which is ${files.length} files: use saveFiles()`);
    return files[0];
  }

  /** The network as an ONNX model (opset 14) that onnxruntime and InferenceSession run; see OnnxExportOptions. */
  toOnnx(options?: OnnxExportOptions): Uint8Array {
    this.runtime();
    return exportOnnx(this, options);
  }

  /** Frees the wasm instance; the network cannot be used afterwards. */
  release(): void {
    this.rt = undefined;
  }
}

/** Builds a network from layers: `sequential([embedding(V, E), lstm(H, { layers: 2 }), dense(C)], { seed })`. */
export function sequential(layers: readonly LayerConfig[], options?: SequentialOptions): Promise<Network> {
  return Network.create(layers, options);
}
