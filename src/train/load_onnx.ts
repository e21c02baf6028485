// train/load_onnx.ts: an ONNX model as a network to fine-tune. The importer's graph is read as a plain sequential
// stack — [Gather (embedding) ->] LSTM / GRU / RNN nodes [-> last step | mean | max | final state]
// [-> Gemm | MatMul + Add (+ Relu / Tanh / Sigmoid)]… [-> Softmax | LogSoftmax | Sigmoid] — by following the input
// through the graph with symbolic axes (time, batch, directions, features), so the layout ops torch.onnx.export puts
// between them (Transpose, Squeeze, Reshape, Identity) are checked rather than guessed. Every network weight is tied
// to the initializer it came from (gate order, W/R/B split, directions, transposes) and save() writes it back there.
import { LstmWasmError, check } from '../errors.js';
import { onnxProtoToModel } from '../formats/onnx.js';
import { replaceInitializers } from '../formats/onnx_patch.js';
import { decodeModel } from '../formats/onnx_proto.js';
import type { HostTensor, OpNode, RecurrentNode } from '../model/types.js';
import type { WasmSource } from '../runtime.js';
import type { FileSource, FileWeight } from './file_source.js';
import { type DenseActivation, type LayerConfig, type RecurrentOutput, dense, embedding, gru, lstm, rnn } from './layers.js';
import { Network } from './network.js';
import { ONNX_GATES, permuteGates } from './onnx_export.js';

export interface OnnxTrainOptions {
  /** The graph output the network computes, when the graph has more than one. */
  output?: string;
  seed?: number;
  wasm?: WasmSource;
}

type Step =
  | { kind: 'embedding'; weight: string; V: number; E: number }
  | { kind: 'recurrent'; node: RecurrentNode; output: RecurrentOutput }
  | { kind: 'dense'; weight: string; bias: string; F: number; O: number; transposed: boolean; activation: DenseActivation };

/** A value on the way from the input: its axes ('b'/'t' once known as in0/in1, 'D' directions, 'H' / 'F' features). */
interface Sym {
  input: string;
  axes: string[];
  F: number;
  D: number;
  steps: Step[];
  /** A MatMul waiting for its Add (the bias). */
  pending?: { weight: string; F: number; O: number };
  final?: FileSource['outputTransform'];
  /** Why this value is not a sequential stack's (kept, and reported only if the chosen output depends on it). */
  bad?: string;
}

const ZERO_KEEPING = ['Slice', 'Squeeze', 'Unsqueeze', 'Reshape', 'Transpose', 'Expand', 'Identity', 'Gather'];
const ACT_OF: Record<string, DenseActivation> = { Relu: 'relu', Tanh: 'tanh', Sigmoid: 'sigmoid' };
const DEFAULT_ACTS: Record<string, string[]> = { lstm: ['sigmoid', 'tanh', 'tanh'], gru: ['sigmoid', 'tanh'] };

/** Reads the ONNX model and builds the network with the file's weights; see the file comment for what is accepted. */
export async function loadOnnxNetwork(bytes: Uint8Array, file: string, options: OnnxTrainOptions): Promise<Network> {
  const proto = decodeModel(bytes, file);
  const model = onnxProtoToModel(proto, file);
  const constants = model.constants ?? {};
  const initializers = new Map(proto.graph!.initializers.map((t) => [t.name, t]));
  const outputs = model.outputs.map((o) => o.name);
  check(options.output === undefined || outputs.includes(options.output), 'OPTION',
    `${file}: no graph output '${options.output}'; its outputs are ${outputs.map((o) => `'${o}'`).join(', ')}`);
  check(options.output !== undefined || outputs.length === 1, 'OPTION',
    `${file}: the graph has ${outputs.length} outputs (${outputs.map((o) => `'${o}'`).join(', ')}); say which one to train (loadNetwork's graphOutput option, --output NAME)`);
  const outputName = options.output ?? outputs[0];

  const syms = new Map<string, Sym>();
  for (const v of model.inputs) {
    const ids = !v.types.includes('float32');
    if (v.dims.length === (ids ? 2 : 3)) {
      const last = v.dims[2];
      syms.set(v.name, { input: v.name, axes: ids ? ['in0', 'in1'] : ['in0', 'in1', 'F'], F: typeof last === 'number' ? last : -1, D: 1, steps: [] });
    }
  }
  const zeros = new Set<string>(); // values known to be all zeros (ConstantOfShape 0: the initial states torch exports)
  let time: string | undefined; // which input axis is time ('in0' or 'in1'), from the first recurrent node
  const konst = (name: string): HostTensor | undefined => (name ? constants[name] : undefined);
  const intList = (name: string | undefined, attr: unknown): number[] | undefined => {
    if (Array.isArray(attr)) return attr as number[];
    const c = name ? konst(name) : undefined;
    return c ? Array.from(c.data as ArrayLike<number>) : undefined;
  };

  const recurrentStep = (n: RecurrentNode, x: Sym, where: string): string | Step => {
    if (x.steps.length === 0 && x.axes.length === 2) return `${where}: the token ids reach it without an embedding (Gather)`;
    if (x.axes.length !== 3 || x.axes[2] !== 'F') return `${where}: its input X is not a (time, batch, features) sequence here`;
    const [t, b] = n.batchFirst ? [x.axes[1], x.axes[0]] : [x.axes[0], x.axes[1]];
    if (time === undefined) time = t;
    else if (time !== t) return `${where}: reads the batch axis as time`;
    void b;
    if (n.direction === 'reverse') return `${where}: attribute direction = reverse (a reverse-only layer) cannot be trained; forward and bidirectional can`;
    if (n.clip) return `${where}: attribute clip = ${n.clip} cannot be trained (no clipping in the training kernels)`;
    if (n.inputForget) return `${where}: attribute input_forget = 1 cannot be trained`;
    if (n.weights.some((w) => w.peep)) return `${where}: input P (peepholes) cannot be trained`;
    if (!n.sourceWeights?.B) return `${where}: has no input B (biases); a layer without biases cannot be trained yet`;
    if (n.inputs.lengths) return `${where}: input sequence_lens ('${n.inputs.lengths}') is not supported for training; pass lengths to the training call`;
    for (const s of [n.inputs.h0, n.inputs.c0]) if (s && !zeros.has(s)) return `${where}: the initial state '${s}' is not all zeros; a trained network starts from zeros`;
    const acts = n.activations.map((d) => d.map((a) => a.name));
    const want = n.cell === 'rnn' ? [acts[0][0] === 'relu' ? 'relu' : 'tanh'] : DEFAULT_ACTS[n.cell];
    if (!acts.every((d) => d.length === want.length && d.every((a, i) => a === want[i])) || n.activations.flat().some((a) => a.alpha || a.beta)) {
      return `${where}: attribute activations = ${acts.map((d) => d.join(', ')).join('; ')} cannot be trained (${n.cell === 'rnn' ? 'Tanh or Relu' : want.join(', ')} only)`;
    }
    if (x.F !== n.inputSize && x.F !== -1) return `${where}: X has ${x.F} features, W expects ${n.inputSize}`;
    return { kind: 'recurrent', node: n, output: 'sequence' };
  };

  const pool = (x: Sym, kind: RecurrentOutput, axis: number, where: string): Sym => {
    const last = x.steps[x.steps.length - 1];
    if (!last || last.kind !== 'recurrent' || last.output !== 'sequence' || x.pending) {
      return { ...x, bad: `${where}: pools over time anywhere but right after a recurrent layer's output sequence` };
    }
    if (x.axes.includes('D')) return { ...x, bad: `${where}: pools before the directions are joined (Transpose + Reshape) or squeezed` };
    return { ...x, axes: x.axes.filter((_, i) => i !== axis), steps: [...x.steps.slice(0, -1), { ...last, output: kind }] };
  };

  /** One op node with its path input x: the value it gives (maybe bad). */
  const opStep = (n: OpNode, x: Sym, ins: (Sym | undefined)[]): Sym => {
    const where = `${n.type} node '${n.name}'`;
    const bad = (why: string): Sym => ({ ...x, bad: `${where}: ${why}` });
    if (n.type === 'Identity' || n.type === 'Dropout') return x; // Dropout: inference graphs keep it as identity
    if (x.final) return bad(`follows the output ${x.final}; only the last op may be Softmax, LogSoftmax or Sigmoid`);
    if (x.pending && n.type !== 'Add') return bad(`follows a MatMul with no bias Add; a dense layer needs both`);
    const others = n.inputs.filter((name, i) => name && !ins[i]);
    const runtime = others.find((name) => !konst(name));
    if (runtime) return bad(`input '${runtime}' is computed at run time; only constants may join the input's path`);
    const rank = x.axes.length, norm = (a: number) => (a < 0 ? a + rank : a);
    switch (n.type) {
      case 'Transpose': {
        const perm = (n.attrs.perm as number[] | undefined) ?? x.axes.map((_, i) => rank - 1 - i);
        return { ...x, axes: perm.map((p) => x.axes[p]) };
      }
      case 'Squeeze': {
        const axes = intList(n.inputs[1], n.attrs.axes)?.map(norm);
        if (!axes || axes.some((a) => x.axes[a] !== 'D') || x.D !== 1) return bad('squeezes an axis other than the single direction of a recurrent output');
        return { ...x, axes: x.axes.filter((_, i) => !axes.includes(i)).map((a) => (a === 'H' ? 'F' : a)) };
      }
      case 'Reshape': {
        const shape = intList(n.inputs[1], undefined);
        if (!shape || n.attrs.allowzero) return bad('needs a constant shape');
        let k = 0;
        while (k < shape.length && shape[k] === 0) k++;
        const rest = x.axes.slice(k);
        if (k === rank && shape.length === rank) return x;
        if (k === shape.length - 1 && rest.length === 2 && rest[0] === 'D' && rest[1] === 'H' && (shape[k] === -1 || shape[k] === x.D * x.F)) {
          return { ...x, axes: [...x.axes.slice(0, k), 'F'], F: x.D * x.F };
        }
        return bad(`reshapes ${x.axes.join(', ')} to [${shape.join(', ')}]; only joining the directions (0, …, -1 after directions, features) is a sequential stack's`);
      }
      case 'Gather': {
        if (!ins[0]) {
          // the embedding: a constant table gathered by the token ids
          const w = konst(n.inputs[0])!;
          if (x.steps.length || x.axes.length !== 2 || (n.attrs.axis ?? 0) !== 0 || w.dtype !== 'float32' || w.dims.length !== 2) {
            return bad('is not an embedding (a 2-D float table gathered by the token ids on axis 0)');
          }
          return { ...x, axes: [...x.axes, 'F'], F: w.dims[1], steps: [{ kind: 'embedding', weight: n.inputs[0], V: w.dims[0], E: w.dims[1] }] };
        }
        const idx = konst(n.inputs[1]), axis = norm((n.attrs.axis as number | undefined) ?? 0);
        if (!idx || idx.dims.length !== 0) return bad('needs one constant index');
        const i = Number(idx.data[0]);
        if (x.axes[axis] === 'D' && x.D === 1 && (i === 0 || i === -1)) return { ...x, axes: x.axes.filter((_, j) => j !== axis).map((a) => (a === 'H' ? 'F' : a)) };
        if (x.axes[axis] === time && i === -1) return pool(x, 'last_step', axis, where);
        return bad(`takes index ${i} of axis ${axis} (${x.axes[axis]}); only the last time step (-1) is a sequential stack's head`);
      }
      case 'ReduceMean': case 'ReduceMax': {
        const axes = intList(n.inputs[1], n.attrs.axes)?.map(norm);
        if ((n.attrs.keepdims ?? 1) !== 0) return bad('keeps the reduced axis (keepdims = 1); the pooled head has none');
        if (!axes || axes.length !== 1 || x.axes[axes[0]] !== time) return bad('reduces an axis other than time');
        return pool(x, n.type === 'ReduceMean' ? 'mean' : 'max', axes[0], where);
      }
      case 'Gemm': {
        const w = konst(n.inputs[1]), c = konst(n.inputs[2]), tB = n.attrs.transB === 1;
        if (n.attrs.transA || (n.attrs.alpha ?? 1) !== 1 || (n.attrs.beta ?? 1) !== 1 || !c || rank !== 2 || x.axes[1] !== 'F') {
          return bad('is not a dense layer (transA = 0, alpha = beta = 1, a bias C, a (batch, features) input)');
        }
        const [O, F] = tB ? w!.dims : [w!.dims[1], w!.dims[0]];
        if (F !== x.F || c.dims.length !== 1 || c.dims[0] !== O) return bad(`B ${w!.dims} and C ${c.dims} do not fit ${x.F} features`);
        return dense_(x, { kind: 'dense', weight: n.inputs[1], bias: n.inputs[2], F, O, transposed: !tB, activation: 'linear' });
      }
      case 'MatMul': {
        const w = konst(n.inputs[1]);
        if (!ins[0] || !w || w.dims.length !== 2 || x.axes[rank - 1] !== 'F' || w.dims[0] !== x.F) return bad('is not x (…, features) times a constant (features, units)');
        return { ...x, pending: { weight: n.inputs[1], F: w.dims[0], O: w.dims[1] } };
      }
      case 'Add': {
        const b = konst(others[0] ?? '');
        if (!x.pending || !b || b.dims.length !== 1 || b.dims[0] !== x.pending.O) return bad('is not the bias of a MatMul (a constant of its units)');
        const { weight, F, O } = x.pending;
        return dense_({ ...x, pending: undefined }, { kind: 'dense', weight, bias: others[0], F, O, transposed: true, activation: 'linear' });
      }
      case 'Relu': case 'Tanh': case 'Sigmoid': {
        const last = x.steps[x.steps.length - 1];
        if (n.type === 'Sigmoid') return { ...x, final: 'sigmoid' }; // the output's, or a dense activation if a layer follows
        if (!last || last.kind !== 'dense' || last.activation !== 'linear') return bad('is an activation not right after a dense layer');
        return { ...x, steps: [...x.steps.slice(0, -1), { ...last, activation: ACT_OF[n.type] }] };
      }
      case 'Softmax': case 'LogSoftmax': {
        if (norm((n.attrs.axis as number | undefined) ?? -1) !== rank - 1) return bad('is not over the last axis');
        return { ...x, final: n.type === 'Softmax' ? 'softmax' : 'log_softmax' };
      }
    }
    return bad('is not part of a plain sequential stack (embedding, recurrent layers, pooling, dense layers)');
  };

  /** A dense layer after x; a Sigmoid x ended with was that of the dense layer before. */
  function dense_(x: Sym, step: Step & { kind: 'dense' }): Sym {
    return { ...x, axes: [...x.axes.slice(0, -1), 'F'], F: step.O, steps: [...x.steps, step] };
  }

  for (const n of model.nodes) {
    if (n.op === 'recurrent') {
      const x = syms.get(n.inputs.x);
      if (!x) continue;
      const where = `${n.cell.toUpperCase()} node '${n.name}'`;
      const step = x.bad ? x.bad : x.pending ? `${where}: follows a MatMul with no bias Add` : x.final && x.final !== 'sigmoid' ? `${where}: follows ${x.final}` : recurrentStep(n, x, where);
      const base = x.final === 'sigmoid' ? sigmoidAsActivation(x) : x;
      const D = n.direction === 'bidirectional' ? 2 : 1, [t, b] = time === 'in1' ? ['in1', 'in0'] : ['in0', 'in1'];
      const out = (axes: string[], output: RecurrentOutput): Sym =>
        typeof step === 'string' || base.bad ? { ...x, bad: base.bad ?? (step as string) }
          : { input: x.input, axes, F: n.hiddenSize, D, steps: [...base.steps, { ...(step as Step & { kind: 'recurrent' }), output }] };
      if (n.outputs.y) syms.set(n.outputs.y, out(n.batchFirst ? [b, t, 'D', 'H'] : [t, 'D', b, 'H'], 'sequence'));
      if (n.outputs.hN) syms.set(n.outputs.hN, out(n.batchFirst ? [b, 'D', 'H'] : ['D', b, 'H'], 'final_state'));
      continue;
    }
    const ins = n.inputs.map((name) => (name ? syms.get(name) : undefined));
    const path = ins.filter((s): s is Sym => s !== undefined);
    if (path.length === 0) {
      const v = n.attrs.value as HostTensor | undefined;
      if (n.type === 'ConstantOfShape' && (!v || Array.from(v.data as ArrayLike<number>).every((e) => e === 0))) zeros.add(n.outputs[0]);
      // a slice or reshape of zeros is zeros (torch slices one layer's state out of the zeros it made for all)
      if (ZERO_KEEPING.includes(n.type) && zeros.has(n.inputs[0])) zeros.add(n.outputs[0]);
      continue;
    }
    if (n.type === 'Shape') continue; // sizes only (the zero initial states are made from them)
    let x = path[0];
    const where = `${n.type} node '${n.name}'`;
    let y: Sym;
    if (path.some((s) => s.bad)) y = path.find((s) => s.bad)!;
    else if (path.length > 1) y = { ...x, bad: `${where}: joins two values computed from the input; a sequential stack has one path` };
    else {
      // a Sigmoid followed by more layers was a dense activation, not the output's
      if (x.final === 'sigmoid' && n.type !== 'Identity') x = sigmoidAsActivation(x);
      y = opStep(n as OpNode, x, ins);
    }
    n.outputs.forEach((o, k) => o && syms.set(o, k === 0 ? y : { ...y, bad: `${where}: output ${k} is not a sequential stack's` }));
  }

  function sigmoidAsActivation(x: Sym): Sym {
    const last = x.steps[x.steps.length - 1];
    if (!last || last.kind !== 'dense' || last.activation !== 'linear') return { ...x, final: undefined, bad: x.bad ?? 'a Sigmoid that is not the output is not right after a dense layer' };
    return { ...x, final: undefined, steps: [...x.steps.slice(0, -1), { ...last, activation: 'sigmoid' }] };
  }

  // the chosen output: a sequential stack from one input?
  const y = syms.get(outputName);
  const fail = (why: string) => new LstmWasmError('UNSUPPORTED', `${file}: cannot train output '${outputName}': ${why}`);
  if (!y) throw fail('it is not computed from a graph input by a sequential stack');
  if (y.bad) throw fail(y.bad);
  if (y.pending) throw fail('it ends in a MatMul with no bias Add');
  if (!y.steps.some((s) => s.kind === 'recurrent')) throw fail('no LSTM, GRU or RNN node lies between the input and it');
  // a single direction's axis the file keeps (a bare node's Y, Y_h): the network leaves it out, the values are the same
  let squeeze: number | undefined;
  if (y.D === 1 && y.axes.includes('D')) {
    squeeze = y.axes.indexOf('D');
    y.axes = y.axes.filter((a) => a !== 'D').map((a) => (a === 'H' ? 'F' : a));
  }
  const batchFirst = time === 'in1';
  const [t, b] = batchFirst ? ['in1', 'in0'] : ['in0', 'in1'];
  const seq = y.axes.includes(t);
  const want = seq ? (batchFirst ? [b, t, 'F'] : [t, b, 'F']) : [b, 'F'];
  if (y.axes.join() !== want.join()) {
    const say = (a: string[]) => a.map((s) => ({ [t]: 'time', [b]: 'batch', F: 'features', D: 'directions', H: 'hidden' })[s] ?? s).join(', ');
    throw fail(`it is (${say(y.axes)}); a network trained from this input gives (${say(want)})`);
  }

  // the layers, the weights from the file, and each weight's way back
  const layers: LayerConfig[] = y.steps.map((s) => {
    if (s.kind === 'embedding') return embedding(s.V, s.E);
    if (s.kind === 'dense') return dense(s.O, { activation: s.activation });
    const n = s.node, common = { bidirectional: n.direction === 'bidirectional', output: s.output };
    if (n.cell === 'lstm') return lstm(n.hiddenSize, common);
    if (n.cell === 'gru') return gru(n.hiddenSize, { ...common, resetAfter: n.linearBeforeReset });
    return rnn(n.hiddenSize, { ...common, nonlinearity: n.activations[0][0].name as 'tanh' | 'relu' });
  });
  const first = y.steps[0];
  const net = await Network.create(layers, {
    inputSize: first.kind === 'embedding' ? undefined : (first as { node: RecurrentNode }).node.inputSize, batchFirst, seed: options.seed, wasm: options.wasm,
  });
  const values: Record<string, { dims: number[]; data: Float32Array }> = {};
  const weights: FileWeight[] = [];
  const used = new Set<string>();
  const bind = (name: string, dims: number[], fromNetwork: FileWeight['fromNetwork']) => {
    const t = initializers.get(name);
    check(t !== undefined, 'UNSUPPORTED', `${file}: '${name}' is computed from Constant nodes, not an initializer; it cannot be written back`);
    check(!used.has(name), 'UNSUPPORTED', `${file}: initializer '${name}' is read by two layers (tied weights cannot be trained yet)`);
    check(t.dataType === 1, 'UNSUPPORTED', `${file}: initializer '${name}' is of element type ${t.dataType}; only FLOAT weights can be trained`);
    used.add(name);
    weights.push({ name, dims, fromNetwork });
  };
  const transpose = (a: Float32Array, rows: number, cols: number) => {
    const out = new Float32Array(a.length);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c];
    return out;
  };
  y.steps.forEach((s, i) => {
    const p = net.layers[i].name, key = (k: string) => `${p ? `${p}.` : ''}${k}`;
    if (s.kind === 'embedding') {
      values[key('weight')] = { dims: [s.V, s.E], data: constants[s.weight].data as Float32Array };
      bind(s.weight, [s.V, s.E], (get) => get(key('weight')));
    } else if (s.kind === 'dense') {
      const w = constants[s.weight].data as Float32Array;
      values[key('weight')] = { dims: [s.O, s.F], data: s.transposed ? transpose(w, s.F, s.O) : w };
      values[key('bias')] = { dims: [s.O], data: constants[s.bias].data as Float32Array };
      bind(s.weight, s.transposed ? [s.F, s.O] : [s.O, s.F], (get) => (s.transposed ? transpose(get(key('weight')), s.O, s.F) : get(key('weight'))));
      bind(s.bias, [s.O], (get) => get(key('bias')));
    } else {
      const n = s.node, D = n.direction === 'bidirectional' ? 2 : 1, H = n.hiddenSize, I = n.inputSize, G = ONNX_GATES[n.cell].length;
      const order = ONNX_GATES[n.cell], src = n.sourceWeights!;
      const k = (kind: string, d: number) => key(`${kind}_l0${d ? '_reverse' : ''}`);
      n.weights.forEach((w, d) => {
        values[k('weight_ih', d)] = { dims: [G * H, I], data: w.wx };
        values[k('weight_hh', d)] = { dims: [G * H, H], data: w.wh };
        values[k('bias_ih', d)] = { dims: [G * H], data: w.bx };
        values[k('bias_hh', d)] = { dims: [G * H], data: w.bh };
      });
      const stack = (per: number, part: (get: (p: string) => Float32Array, d: number, out: Float32Array, at: number) => void) =>
        (get: (p: string) => Float32Array) => {
          const out = new Float32Array(D * per);
          for (let d = 0; d < D; d++) part(get, d, out, d * per);
          return out;
        };
      bind(src.W, [D, G * H, I], stack(G * H * I, (get, d, out, at) => out.set(permuteGates(get(k('weight_ih', d)), H, order), at)));
      bind(src.R, [D, G * H, H], stack(G * H * H, (get, d, out, at) => out.set(permuteGates(get(k('weight_hh', d)), H, order), at)));
      bind(src.B!, [D, 2 * G * H], stack(2 * G * H, (get, d, out, at) => {
        out.set(permuteGates(get(k('bias_ih', d)), H, order), at);
        out.set(permuteGates(get(k('bias_hh', d)), H, order), at + G * H);
      }));
    }
  });
  net.setWeights(values);
  const source: FileSource = {
    format: 'onnx', inputName: y.input, outputName, outputTransform: y.final, outputSqueeze: squeeze, weights,
    write: (v) => ({ 'model.onnx': replaceInitializers(bytes, v, file) }),
  };
  net.source = source;
  return net;
}
