// seq2seq/train.ts: teacher-forced training of an encoder-decoder with attention (lstm-wasm/train seq2seqTrainer) —
// the model from seq2seq.json + a PyTorch state dict, parameters in a ParamStore, the passes in teacher.ts.
import { LstmWasmError, check, fmtDims } from '../errors.js';
import { Rng } from '../decode/rng.js';
import { parseSafetensors, toFloat32, writeSafetensors } from '../formats/safetensors.js';
import { type ByteSource, readBytes } from '../io.js';
import { Runtime, type WasmSource } from '../runtime.js';
import { Tensor } from '../tensor.js';
import { type TrainCore, trainCore, trainWasm } from '../train/core.js';
import type { RecurrentConfig } from '../train/layers.js';
import type { Optimizer } from '../train/optim.js';
import { type ParamSpec, ParamStore } from '../train/params.js';
import { RecurrentImpl } from '../train/recurrent.js';
import { type Seq2SeqConfig, LUONG, parseConfig } from './config.js';
import { readFolder } from './files.js';
import { Linear } from './linear.js';
import { type Parts, type Seq2SeqBatch, type Seq2SeqCore, type Tape, teacherBackward, teacherForward } from './teacher.js';
import { type Seq2SeqInputs, type Seq2SeqLossOptions, samplingPlan } from './scheduled.js';
import { seq2seqNames } from './weights.js';

export type { Seq2SeqBatch };
export type { ScheduledSampling, Seq2SeqInputs, Seq2SeqLossOptions } from './scheduled.js';

export interface Seq2SeqTrainerOptions {
  /** The training core (lstm-train.wasm) as a compiled module, its bytes or a URL/path; default: beside this bundle. */
  wasm?: WasmSource;
}

/** The files of a model in memory: seq2seq.json's content and the safetensors state dict (PyTorch's names, any the loader takes). */
export interface Seq2SeqTrainFiles {
  config: unknown;
  weights: ByteSource;
}

/**
 * An encoder-decoder (seq2seq.json + PyTorch state dict) being trained with teacher forcing:
 * loss(batch) runs the forward pass, backward() adds d(mean cross-entropy)/d(every weight) to the gradients, step() applies
 * an optimizer of lstm-wasm/train (clipGradNorm(trainer, …) clips). Supported: (Bi)LSTM/GRU encoders of any depth, bridges
 * none/copy/linear, a stacked LSTM/GRU decoder (nn.LSTM / nn.GRU names) with dot, general, concat or Bahdanau attention,
 * input feeding, tied target embeddings. The state dict may use any naming the inference loader takes (the reference
 * module's, an nn.LSTMCell / nn.GRUCell decoder, the tutorials' renames): parameters are kept under the reference names
 * inside, and weights(), gradients() and save() give the file's own names back.
 */
export class Seq2SeqTrainer {
  readonly config: Seq2SeqConfig;
  readonly params: ParamStore;
  readonly core: TrainCore;
  private rt: Runtime | undefined;
  private readonly json: unknown;
  private readonly parts: Parts;
  /** canonical (reference module) name -> the file's name, and the file's names in its order */
  private readonly fileName: Map<string, string>;
  private readonly fileOrder: string[];
  private packed = -1;
  private tape: Tape | undefined;
  private fed: Seq2SeqInputs | undefined;
  /** scheduled sampling's generator when a call gives no seed */
  private readonly rng = new Rng(0);

  private constructor(rt: Runtime, json: unknown, config: Seq2SeqConfig, file: Map<string, { shape: number[]; data: Float32Array }>) {
    this.rt = rt;
    this.core = trainCore(rt);
    const core = this.core as Seq2SeqCore;
    check(typeof core.attn_dot_bwd_f32 === 'function', 'RUNTIME', 'the training core has no attention backward kernels (attn_dot_bwd_f32); rebuild lstm-train.wasm');
    this.json = json;
    this.config = config;
    // the file's names -> the reference module's (one alias table, weights.ts's); a name that fits none names itself
    const canon = seq2seqNames(file.keys(), config);
    for (const name of file.keys()) {
      check(canon.has(name), 'MODEL', `the state dict has '${name}', which this seq2seq.json's model does not have ` +
        `(attention "${config.attention.kind}", bridge "${config.bridge}", decoder ${config.decoder.cell} with ${config.decoder.layers} layer(s))`);
    }
    const weights = new Map([...file].map(([name, t]) => [canon.get(name)!, t]));
    this.fileName = new Map([...canon].map(([f, c]) => [c, f]));
    this.fileOrder = [...file.keys()];
    const fileName = (name: string) => this.fileName.get(name) ?? name;
    const { encoder: ec, decoder: dc, attention: at } = config;
    const dim = (name: string, i: number) => {
      const t = weights.get(name);
      if (!t) throw new LstmWasmError('MODEL', `the state dict has no '${name}'`);
      return t.shape[i];
    };
    const Vs = dim('encoder.embedding.weight', 0), Vt = dim('decoder.embedding.weight', 0);
    const D = ec.bidirectional ? 2 : 1, He = ec.hiddenSize, Denc = D * He, Hd = dc.hiddenSize, Et = dc.embeddingSize;
    const luong = LUONG.includes(at.kind), feeding = luong && dc.inputFeeding;
    const Kin = Et + (at.kind === 'bahdanau' ? Denc : feeding ? Hd : 0);
    const A = at.size, K = at.kind === 'bahdanau' || at.kind === 'concat' ? A : at.kind === 'general' ? Hd : Denc;
    const F = dc.output === 'hidden_context' ? Hd + Denc : Hd;

    const rng = new Rng(0); // initial values are overwritten by the state dict
    const rc = (cell: 'lstm' | 'gru', hidden: number, layers: number, bidirectional: boolean, name: string): RecurrentConfig => ({
      type: 'recurrent', cell, name, hidden, layers, bidirectional, projSize: 0, dropout: 0, output: 'sequence', nonlinearity: 'tanh', resetAfter: true, recurrentBias: true,
    });
    const enc = new RecurrentImpl(rt, this.core, rc(ec.cell, He, ec.layers, ec.bidirectional, 'encoder.rnn'), 'encoder.rnn', ec.embeddingSize, rng);
    const dec = new RecurrentImpl(rt, this.core, rc(dc.cell, Hd, dc.layers, false, 'decoder.rnn'), 'decoder.rnn', Kin, rng);
    const lin = (name: string, O: number, I: number, bias = weights.has(`${name}.bias`)) => new Linear(name, O, I, bias);
    const linear = config.bridge === 'linear', lstm = dc.cell === 'lstm', p = 'decoder.attention';
    const bridgeH = linear ? lin('bridge.h', Hd, Denc) : undefined;
    const bridgeC = linear && lstm ? lin('bridge.c', Hd, Denc) : undefined;
    const bahdanau = at.kind === 'bahdanau', concat = at.kind === 'concat';
    // concat: W [h; s] + b = W_h h + (W_s s + b), the two column blocks of one weight
    const query = bahdanau ? lin(`${p}.query`, A, Hd) : concat ? new Linear(`${p}.W`, A, Hd, false, 0, Hd + Denc) : undefined;
    const key = bahdanau ? lin(`${p}.key`, A, Denc) : at.kind === 'general' ? lin(`${p}.key`, Hd, Denc, false)
      : concat ? new Linear(`${p}.W`, A, Denc, weights.has(`${p}.W.bias`), Hd, Hd + Denc) : undefined;
    const v = bahdanau || concat ? lin(`${p}.v`, 1, A) : undefined;
    const combine = luong ? lin('decoder.combine', Hd, Denc + Hd) : undefined;
    const out = lin('decoder.out', Vt, F);
    const tied = config.tiedEmbeddings;
    if (tied) {
      // one parameter, both gradients added into it; a state dict may also hold it as decoder.out.weight (the same values)
      out.weightName = 'decoder.embedding.weight';
      const a = weights.get('decoder.out.weight'), e = weights.get('decoder.embedding.weight');
      if (a && e) {
        const i = a.data.findIndex((x, j) => x !== e.data[j]);
        check(a.data.length === e.data.length && i < 0, 'MODEL',
          `tied_embeddings is true but '${fileName('decoder.out.weight')}' differs from the target embedding at flat index ${i}`);
      }
      weights.delete('decoder.out.weight');
    }

    const none = () => {};
    const specsOf = (...ls: (Linear | undefined)[]) => ls.flatMap((l) => (l ? l.specs() : []));
    const specs: ParamSpec[] = [ // in the reference module's state-dict order
      { name: 'encoder.embedding.weight', dims: [Vs, ec.embeddingSize], init: none },
      ...enc.specs(),
      ...specsOf(bridgeH, bridgeC),
      // tied: rows padded to 16 as the output layer's panels read them (ids never reach the pad rows)
      { name: 'decoder.embedding.weight', dims: [Vt, Et], ...(tied ? { groups: 1, size: Vt, padded: Math.ceil(Vt / 16) * 16 } : {}), init: none },
      ...dec.specs(),
      ...(concat ? [{ name: `${p}.W.weight`, dims: [A, Hd + Denc], groups: 1, size: A, padded: Math.ceil(A / 16) * 16, init: none },
        ...(key!.bias ? [{ name: `${p}.W.bias`, dims: [A], init: none }] : []), ...v!.specs()] : specsOf(query, key, v)),
      ...specsOf(combine, out),
    ];
    const names = new Set(specs.map((s) => s.name));
    for (const name of weights.keys()) {
      check(names.has(name), 'MODEL', `the state dict has '${fileName(name)}', which this seq2seq.json's model does not have` +
        (name !== fileName(name) ? ` (read as '${name}')` : ''));
    }
    for (const s of specs) {
      const t = weights.get(s.name);
      if (!t) throw new LstmWasmError('MODEL', `the state dict has no '${s.name}' ${fmtDims(s.dims)} (or one of the names the loader takes for it)`);
      check(t.shape.length === s.dims.length && t.shape.every((d, i) => d === s.dims[i]), 'MODEL',
        `'${fileName(s.name)}' is ${fmtDims(t.shape)}; seq2seq.json says ${fmtDims(s.dims)}`);
      s.init = (o) => o.set(t.data);
    }
    const params = new ParamStore(rt, specs);
    this.params = params;
    enc.bind(params);
    dec.bind(params);
    for (const l of [bridgeH, bridgeC, query, key, v, combine, out]) l?.bind(rt, params);
    this.parts = {
      rt, core, params, config, enc, dec, bridgeH, bridgeC, query, key, v, combine, out,
      srcEmb: params.byName.get('encoder.embedding.weight')!, tgtEmb: params.byName.get('decoder.embedding.weight')!,
      sizes: { Vs, Vt, Es: ec.embeddingSize, Et, He, D, Denc, Hd, Kin, A, K, F }, top: rt.mark(),
    };
  }

  /** A trainer from a model folder (path or URL of seq2seq.json's folder) or its files in memory. */
  static async create(source: string | URL | Seq2SeqTrainFiles, options: Seq2SeqTrainerOptions = {}): Promise<Seq2SeqTrainer> {
    check(options !== null && typeof options === 'object', 'OPTION', 'options must be an object');
    for (const k of Object.keys(options)) check(k === 'wasm', 'OPTION', `unknown option '${k}'; known: wasm`);
    let json: unknown, bytes: Uint8Array;
    if (typeof source === 'string' || source instanceof URL) {
      const { config, c, rel } = await readFolder(source);
      json = config;
      bytes = await readBytes(rel(c.weights));
    } else {
      check(source !== null && typeof source === 'object' && 'config' in source && 'weights' in source, 'OPTION',
        'seq2seqTrainer(source): a model folder, or { config, weights }');
      json = source.config;
      bytes = await readBytes(source.weights);
    }
    const config = parseConfig(json);
    const st = parseSafetensors(bytes, config.weights);
    const weights = new Map([...st.tensors].map(([name, t]) => [name, { shape: t.shape, data: toFloat32(t, name) }]));
    const rt = await Runtime.create(options.wasm ?? (await trainWasm()));
    return new Seq2SeqTrainer(rt, json, config, weights);
  }

  private runtime(): Runtime {
    if (!this.rt) throw new LstmWasmError('RELEASED', 'this trainer was released');
    return this.rt;
  }

  private pack(): void {
    if (this.packed === this.params.version) return;
    const p = this.parts;
    p.enc.pack();
    p.dec.pack();
    for (const l of [p.bridgeH, p.bridgeC, p.query, p.key, p.v, p.combine, p.out]) l?.pack(this.core, this.params);
    this.packed = this.params.version;
  }

  private checkBatch(batch: Seq2SeqBatch): void {
    check(batch !== null && typeof batch === 'object' && Array.isArray(batch.source) && Array.isArray(batch.target), 'INPUT',
      'a batch is { source: number[][], target: number[][] }');
    check(batch.source.length >= 1 && batch.source.length === batch.target.length, 'INPUT',
      `a batch needs as many targets as sources (at least one), got ${batch.source.length} and ${batch.target.length}`);
    const { Vs, Vt } = this.parts.sizes;
    batch.source.forEach((s, b) => {
      check(Array.isArray(s) && s.length >= 1, 'INPUT', `source ${b} is empty`);
      s.forEach((id, j) => check(Number.isInteger(id) && id >= 0 && id < Vs, 'INPUT', `source ${b} token ${j}: id ${id} is outside 0..${Vs - 1}`));
    });
    batch.target.forEach((s, b) => {
      check(Array.isArray(s), 'INPUT', `target ${b} must be an array of ids`);
      s.forEach((id, j) => check(Number.isInteger(id) && id >= 0 && id < Vt, 'INPUT', `target ${b} token ${j}: id ${id} is outside 0..${Vt - 1}`));
    });
  }

  /**
   * Runs the forward pass and returns the mean cross-entropy over the target tokens (eos included). Teacher forcing, or
   * with `options.sampling` scheduled sampling: some inputs are the model's own prediction from the step before, e.g.
   * `loss(batch, { sampling: { probability: 0.25 } })` (lastInputs() tells which ids were read).
   */
  loss(batch: Seq2SeqBatch, options?: Seq2SeqLossOptions): number {
    this.runtime();
    this.checkBatch(batch);
    const plan = samplingPlan(options, batch.target, this.rng);
    this.pack();
    this.fed = undefined;
    const { loss, tape } = teacherForward(this.parts, batch, plan);
    this.tape = tape;
    const ids = this.parts.rt.i32(tape.tgtIn, tape.T * tape.B);
    this.fed = {
      inputs: batch.target.map((y, b) => Array.from({ length: y.length + 1 }, (_, t) => ids[t * tape.B + b])),
      mask: plan ? plan.mask : batch.target.map((y) => y.map(() => false)),
      sampled: plan ? plan.count : 0,
    };
    return loss;
  }

  /** What the decoder read in the last loss(): per sentence bos and one id per target token, which of them were the
   * model's own predictions, and how many. */
  lastInputs(): Seq2SeqInputs {
    this.runtime();
    check(this.fed !== undefined, 'INPUT', 'lastInputs() needs a loss(batch) first');
    return { inputs: this.fed.inputs.map((r) => [...r]), mask: this.fed.mask.map((r) => [...r]), sampled: this.fed.sampled };
  }

  /** Adds d(mean loss)/d(every weight) of the last loss() to the gradients (zeroGrad() clears them). */
  backward(): void {
    this.runtime();
    const tp = this.tape;
    check(tp !== undefined, 'INPUT', 'backward() needs a loss(batch) first');
    this.tape = undefined;
    teacherBackward(this.parts, tp);
  }

  zeroGrad(): void {
    this.runtime();
    this.params.zeroGrad();
  }

  /** Updates the weights from the gradients with an optimizer of lstm-wasm/train (adam(), sgd() …). */
  step(optimizer: Optimizer, lr?: number): void {
    this.runtime();
    optimizer.step(this, lr);
  }

  /** The weights by the state dict's names (the file's; a tied output weight once, as the target embedding). */
  weights(): Record<string, Tensor> {
    this.runtime();
    return Object.fromEntries(this.params.params.map((p) => [this.nameOf(p.name), new Tensor('float32', this.params.read(p), p.dims)]));
  }

  /** The gradients by the state dict's names, as weights(). */
  gradients(): Record<string, Tensor> {
    this.runtime();
    return Object.fromEntries(this.params.params.map((p) => [this.nameOf(p.name), new Tensor('float32', this.params.readGrad(p), p.dims)]));
  }

  /**
   * The trained model as files: the state dict (safetensors: the file's names in its order, a tied output weight again
   * if the file held it) — what the user's own PyTorch module loads with load_state_dict(strict=True) — and seq2seq.json's
   * content, unchanged.
   */
  save(): { weights: Uint8Array; config: unknown } {
    this.runtime();
    const canon = new Map([...this.fileName].map(([c, f]) => [f, c]));
    const weights = writeSafetensors(this.fileOrder.map((name) => {
      const c = canon.get(name)!, p = this.params.byName.get(c) ?? this.params.byName.get('decoder.embedding.weight')!; // tied: decoder.out.weight
      return { name, shape: p.dims, data: this.params.read(p) };
    }));
    return { weights, config: JSON.parse(JSON.stringify(this.json)) };
  }

  private nameOf(canonical: string): string {
    return this.fileName.get(canonical) ?? canonical;
  }

  /** Frees the wasm instance; the trainer cannot be used afterwards. */
  release(): void {
    this.rt = undefined;
  }
}

/** A trainer for the model in a folder (seq2seq.json + weights) or in memory: `await seq2seqTrainer('models/dates')`. */
export function seq2seqTrainer(source: string | URL | Seq2SeqTrainFiles, options?: Seq2SeqTrainerOptions): Promise<Seq2SeqTrainer> {
  return Seq2SeqTrainer.create(source, options);
}
