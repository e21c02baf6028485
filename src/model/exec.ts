// model/exec.ts: run a planned model — check feeds, size the run region once per larger (T, B), call the kernels.
import { LstmWasmError, check, fmtDims } from '../errors.js';
import type { Runtime } from '../runtime.js';
import { Tensor, type TensorData, type TensorType } from '../tensor.js';
import { type RunShape, ioDims, strides } from './layout.js';
import { type PackedRecurrent, packRecurrent } from './plan.js';
import { directionsOf, stateSizeOf, validateRecurrent } from './recurrent.js';
import type { Model, RecurrentNode } from './types.js';

export type Feeds = Record<string, Tensor>;

const align16 = (n: number) => Math.ceil(n / 16) * 16; // not bitwise: sizes may pass 2^32
const prod = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);
const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

export interface ExecOptions {
  /** Reject NaN and ±Infinity in float inputs (default true): they would spread through every later step. */
  checkFinite?: boolean;
}

export class Executor {
  private readonly packed: PackedRecurrent;
  private readonly weightsTop: number;
  private region = 0;
  private capacity = 0;

  constructor(
    private readonly rt: Runtime,
    readonly model: Model,
    private readonly options: ExecOptions = {},
  ) {
    check(model.nodes.length === 1 && model.nodes[0].op === 'recurrent', 'UNSUPPORTED',
      `this runtime runs one recurrent node per model; the model has ${model.nodes.map((n) => n.op).join(', ') || 'none'}`);
    validateRecurrent(model.nodes[0]); // importers have; a Model built by hand has not
    this.packed = packRecurrent(rt, model.nodes[0]);
    this.weightsTop = rt.mark();
  }

  /** Grows the run region when a run needs more than any before it; otherwise reuses it. */
  private ensure(bytes: number): number {
    if (bytes > this.capacity) {
      this.rt.reset(this.weightsTop);
      this.capacity = 0;
      this.region = this.rt.alloc(bytes, `a run of ${bytes} bytes (inputs, outputs and workspace)`);
      this.capacity = bytes;
    }
    return this.region;
  }

  run(feeds: Feeds, fetches?: readonly string[]): Record<string, Tensor> {
    check(feeds !== null && typeof feeds === 'object', 'INPUT', 'run(feeds): feeds must be an object of name -> Tensor');
    const { inputs, outputs } = this.model;
    for (const name of Object.keys(feeds)) {
      check(inputs.some((i) => i.name === name), 'INPUT',
        `unknown input '${name}'; the model's inputs are ${inputs.map((i) => i.name).join(', ')}`);
    }
    for (const info of inputs) {
      const t = feeds[info.name];
      if (t === undefined) {
        check(info.optional, 'INPUT', `missing input '${info.name}' (${info.doc}, ${fmtDims(info.dims)})`);
        continue;
      }
      check(t !== null && typeof t === 'object' && 'dims' in t && 'data' in t, 'INPUT', `input '${info.name}' must be a Tensor`);
      check(info.types.includes(t.type as never), 'INPUT',
        `input '${info.name}' must be ${info.types.join(' or ')}, got ${t.type}`);
      if (!(t instanceof Tensor)) {
        // a tensor from elsewhere (e.g. onnxruntime-web's): hold it to the same checks
        try {
          const like = t as { type: TensorType; data: TensorData; dims: readonly number[] };
          new Tensor(like.type, like.data, like.dims);
        } catch (e) {
          throw new LstmWasmError('INPUT', `input '${info.name}': ${(e as Error).message.replace(/^Tensor: /, '')}`);
        }
      }
    }
    const wanted = fetches ?? outputs.map((o) => o.name);
    for (const name of wanted) {
      check(outputs.some((o) => o.name === name), 'INPUT',
        `unknown output '${name}'; the model's outputs are ${outputs.map((o) => o.name).join(', ')}`);
    }
    return this.runRecurrent(this.packed, feeds, new Set(wanted));
  }

  /** Reads T and B off x and checks every other feed against them. */
  private shapeOf(n: RecurrentNode, feeds: Feeds): RunShape {
    const x = feeds[n.inputs.x];
    const torch = n.layout === 'torch';
    const named = ioDims(n, 'T', 'B');
    check(x.dims.length === 3 || (torch && x.dims.length === 2), 'INPUT',
      `input '${n.inputs.x}' must be 3-D ${fmtDims(named.x)}${torch ? ` or 2-D [T, ${n.inputSize}]` : ''}, got ${fmtDims(x.dims)}`);
    const unbatched = x.dims.length === 2;
    const [T, B] = unbatched ? [x.dims[0], 1] : n.batchFirst ? [x.dims[1], x.dims[0]] : [x.dims[0], x.dims[1]];
    check(x.dims[x.dims.length - 1] === n.inputSize, 'INPUT',
      `input '${n.inputs.x}' ${fmtDims(x.dims)}: last dim must be the input size ${n.inputSize}`);
    check(T >= 1, 'INPUT', `input '${n.inputs.x}' ${fmtDims(x.dims)}: needs at least one time step`);
    check(B >= 1, 'INPUT', `input '${n.inputs.x}' ${fmtDims(x.dims)}: needs at least one batch item`);
    const dims = ioDims(n, T, B, unbatched);
    for (const [name, want] of [[n.inputs.h0, dims.h], [n.inputs.c0, dims.c]] as const) {
      const t = name ? feeds[name] : undefined;
      check(!t || same(t.dims, want), 'INPUT',
        () => `input '${name}' must be ${fmtDims(want)} for ${n.inputs.x} ${fmtDims(x.dims)}, got ${fmtDims(t!.dims)}`);
    }
    const lens = n.inputs.lengths ? feeds[n.inputs.lengths] : undefined;
    if (lens) {
      check(same(lens.dims, [B]), 'INPUT', `input '${n.inputs.lengths}' must be [${B}] (one length per batch item), got ${fmtDims(lens.dims)}`);
      for (let b = 0; b < B; b++) {
        const v = Number(lens.data[b]);
        check(v >= 0 && v <= T, 'INPUT', `input '${n.inputs.lengths}'[${b}] = ${v} is outside 0..${T} (T)`);
      }
    }
    return { T, B, unbatched };
  }

  private copyIn(ptr: number, t: Tensor, checkFinite: boolean): void {
    const data = t.data as Float32Array;
    if (checkFinite) {
      for (let i = 0; i < data.length; i++) {
        if (!Number.isFinite(data[i])) {
          throw new LstmWasmError('INPUT', `input has ${data[i]} at flat index ${i}; inputs must be finite (pass checkFinite: false to allow)`);
        }
      }
    }
    this.rt.f32(ptr, data.length).set(data);
  }

  private runRecurrent(pk: PackedRecurrent, feeds: Feeds, wanted: Set<string>): Record<string, Tensor> {
    const n = pk.node, rt = this.rt, k = rt.k;
    const shape = this.shapeOf(n, feeds);
    const { T, B } = shape;
    const L = n.numLayers, D = directionsOf(n), P = stateSizeOf(n), I = n.inputSize, DP = D * P;
    const dims = ioDims(n, T, B, shape.unbatched);
    const st = strides(n, shape);
    const want = (name?: string) => name !== undefined && wanted.has(name);
    const x = feeds[n.inputs.x], h0 = n.inputs.h0 ? feeds[n.inputs.h0] : undefined;
    const c0 = n.inputs.c0 ? feeds[n.inputs.c0] : undefined, lens = n.inputs.lengths ? feeds[n.inputs.lengths] : undefined;

    // run region: x | h0 | c0 | lens | y | hN | cN | two layer buffers | workspace | io block
    let ws = 0;
    for (const spec of pk.specs) ws = Math.max(ws, rt.core.recurrent_workspace_bytes(spec, B));
    const parts = [
      T * B * I * 4, h0 ? prod(dims.h) * 4 : 0, c0 ? prod(dims.c) * 4 : 0, lens ? B * 4 : 0,
      prod(dims.y) * 4, prod(dims.h) * 4, prod(dims.c) * 4,
      L > 1 ? T * B * DP * 4 : 0, L > 2 ? T * B * DP * 4 : 0, ws, k.IO_WORDS * 4,
    ].map(align16);
    let at = this.ensure(parts.reduce((a, b) => a + b, 0));
    const [xP, h0P, c0P, lensP, yP, hNP, cNP, midA, midB, wsP, ioP] = parts.map((bytes) => {
      const p = at;
      at += bytes;
      return bytes ? p : 0;
    });

    const checkFinite = this.options.checkFinite ?? true;
    this.copyIn(xP, x, checkFinite);
    if (h0) this.copyIn(h0P, h0, checkFinite);
    if (c0) this.copyIn(c0P, c0, checkFinite);
    if (lens) rt.i32(lensP, B).set(Array.from(lens.data as ArrayLike<number | bigint>, Number));

    // x and y as the caller lays them out; layers in between are time-major (T, B, D*P)
    const wantY = want(n.outputs.y);
    for (let l = 0; l < L; l++) {
      const last = l === L - 1;
      const inP = l === 0 ? xP : (l - 1) % 2 ? midB : midA;
      const outP = last ? (wantY ? yP : 0) : l % 2 ? midB : midA;
      for (let d = 0; d < D; d++) {
        const s = l * D + d;
        const io = rt.i32(ioP, k.IO_WORDS);
        io.fill(0);
        io[k.IO_T] = T;
        io[k.IO_B] = B;
        io[k.IO_X] = inP;
        [io[k.IO_XST], io[k.IO_XSB]] = l === 0 ? [st.xst, st.xsb] : [B * DP, DP];
        io[k.IO_Y] = outP ? outP + (last ? d * st.yDir : d * P) * 4 : 0;
        [io[k.IO_YST], io[k.IO_YSB]] = last ? [st.yst, st.ysb] : [B * DP, DP];
        io[k.IO_LENS] = lensP;
        io[k.IO_H0] = h0P ? h0P + s * st.hStep * 4 : 0;
        io[k.IO_C0] = c0P ? c0P + s * st.cStep * 4 : 0;
        io[k.IO_HN] = hNP + s * st.hStep * 4;
        io[k.IO_CN] = cNP + s * st.cStep * 4;
        io[k.IO_HSB] = st.hsb;
        io[k.IO_CSB] = st.csb;
        rt.core.recurrent_seq_f32(pk.specs[s], ioP, wsP);
      }
    }
    if (lens && n.layout === 'onnx') this.zeroEmptyStates(n, shape, lensP, hNP, cNP);

    const out: Record<string, Tensor> = {};
    const take = (ptr: number, d: number[]) => new Tensor('float32', rt.f32(ptr, prod(d)).slice(), d);
    if (wantY) out[n.outputs.y!] = take(yP, dims.y);
    if (want(n.outputs.hN)) out[n.outputs.hN!] = take(hNP, dims.h);
    if (want(n.outputs.cN)) out[n.outputs.cN!] = take(cNP, dims.c);
    return out;
  }

  /** onnxruntime ends an item of length 0 with zero states, not its initial state; the onnx layout follows it. */
  private zeroEmptyStates(n: RecurrentNode, shape: RunShape, lensP: number, hNP: number, cNP: number): void {
    const st = strides(n, shape), D = directionsOf(n), H = n.hiddenSize;
    const lens = this.rt.i32(lensP, shape.B);
    for (let b = 0; b < shape.B; b++) {
      if (lens[b] !== 0) continue;
      for (let d = 0; d < D; d++) {
        this.rt.f32(hNP + (d * st.hStep + b * st.hsb) * 4, H).fill(0);
        this.rt.f32(cNP + (d * st.cStep + b * st.csb) * 4, H).fill(0);
      }
    }
  }
}
