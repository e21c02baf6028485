// train/onnx_export.ts: a network as an ONNX model (opset 14) that onnxruntime and lstm-wasm's importer run:
// Gather for the embedding, one ONNX LSTM / GRU / RNN node per layer (gates permuted from PyTorch's order), the head
// as ReduceMean / ReduceMax / Gather / the final state, MatMul + Add (+ activation) per dense layer.
import { LstmWasmError, check } from '../errors.js';
import type { Network } from './network.js';
import type { RecurrentConfig } from './layers.js';
import { writeBytes, writeInt, writeMessage, writeString, writeTag } from '../formats/protobuf.js';

const enc = new TextEncoder();
const tag = writeTag, bytes = writeBytes, str = writeString, int = writeInt, msg = writeMessage;

type Attr = number | string | number[] | string[] | { float: number };
interface Node { op: string; inputs: string[]; outputs: string[]; attrs?: Record<string, Attr> }
interface Init { name: string; dims: number[]; data: Float32Array | BigInt64Array }

function attribute(name: string, v: Attr, out: number[]): void {
  str(1, name, out);
  if (typeof v === 'string') (int(20, 3, out), bytes(4, enc.encode(v), out));
  else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) {
    int(20, 8, out);
    for (const s of v as string[]) bytes(9, enc.encode(s), out);
  } else if (Array.isArray(v)) (int(20, 7, out), (v as number[]).forEach((x) => int(8, x, out)));
  else if (typeof v === 'number') (int(20, 2, out), int(3, v, out));
  else {
    int(20, 1, out);
    tag(2, 5, out);
    out.push(...new Uint8Array(new Float32Array([v.float]).buffer));
  }
}

function tensor(t: Init, out: number[]): void {
  for (const d of t.dims) int(1, d, out);
  int(2, t.data instanceof Float32Array ? 1 : 7, out);
  str(8, t.name, out);
  bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), out);
}

function valueInfo(name: string, elemType: number, dims: (number | string)[], out: number[]): void {
  str(1, name, out);
  msg(2, (tp) => msg(1, (tt) => {
    int(1, elemType, tt);
    msg(2, (sh) => dims.forEach((d) => msg(1, (dim) => (typeof d === 'number' ? int(1, d, dim) : str(2, d, dim)), sh)), tt);
  }, tp), out);
}

/** Row blocks of w (G*H rows) reordered: out block j = in block order[j]. */
export function permuteGates(w: Float32Array, H: number, order: number[]): Float32Array {
  const per = w.length / (order.length * H) * H, out = new Float32Array(w.length);
  order.forEach((src, j) => out.set(w.subarray(src * per, (src + 1) * per), j * per));
  return out;
}

// PyTorch's gate order to ONNX's: LSTM i f g o -> i o f c; GRU r z n -> z r h
export const ONNX_GATES = { lstm: [0, 3, 1, 2], gru: [1, 0, 2], rnn: [0] };
const ONNX_OP = { lstm: 'LSTM', gru: 'GRU', rnn: 'RNN' };

export interface OnnxExportOptions {
  /** Add a `lengths` input (int32, one per item) fed to every recurrent node as sequence_lens. */
  lengths?: boolean;
}

/** The network as ONNX bytes. Refused (UNSUPPORTED): an LSTM projection (ONNX's LSTM has none); pooled heads with lengths. */
export function exportOnnx(net: Network, options: OnnxExportOptions = {}): Uint8Array {
  const w = net.weights();
  const nodes: Node[] = [], inits: Init[] = [];
  const bf = net.batchFirst, lens = options.lengths ?? false;
  const inputs: [string, number, (number | string)[]][] = [];
  let cur: string, seq = true, F = 0;
  let lastYh = '';
  const konst = (name: string, dims: number[], values: number[]) => (inits.push({ name, dims, data: BigInt64Array.from(values.map(BigInt)) }), name);
  const f32 = (name: string, dims: number[], data: Float32Array) => (inits.push({ name, dims, data }), name);
  if (net.input.kind === 'ids') {
    inputs.push(['ids', 7, bf ? ['B', 'T'] : ['T', 'B']]);
    cur = 'ids';
  } else {
    inputs.push(['x', 1, bf ? ['B', 'T', net.input.size] : ['T', 'B', net.input.size]]);
    cur = 'x';
    F = net.input.size;
  }
  if (lens) inputs.push(['lengths', 6, ['B']]);
  const toTimeMajor = (x: string) => {
    if (!bf) return x;
    nodes.push({ op: 'Transpose', inputs: [x], outputs: [`${x}_tm`], attrs: { perm: [1, 0, 2] } });
    return `${x}_tm`;
  };
  let timeMajor = net.input.kind === 'float' ? toTimeMajor(cur) : cur;
  net.layers.forEach((l, i) => {
    const p = `${l.name || `layer${i}`}`;
    if (l.type === 'embedding') {
      nodes.push({ op: 'Gather', inputs: [f32(`${p}.weight`, [l.numEmbeddings, l.dim], w[`${p}.weight`].data as Float32Array), cur], outputs: [`${p}_out`], attrs: { axis: 0 } });
      timeMajor = toTimeMajor(`${p}_out`);
      F = l.dim;
    } else if (l.type === 'recurrent') {
      timeMajor = recurrent(l, p, timeMajor);
    } else if (l.type === 'dense') {
      const W = w[`${p}.weight`], t = new Float32Array(l.units * F), src = W.data as Float32Array;
      for (let o = 0; o < l.units; o++) for (let k = 0; k < F; k++) t[k * l.units + o] = src[o * F + k];
      nodes.push({ op: 'MatMul', inputs: [timeMajor, f32(`${p}.weight_t`, [F, l.units], t)], outputs: [`${p}_mm`] });
      nodes.push({ op: 'Add', inputs: [`${p}_mm`, f32(`${p}.bias`, [l.units], w[`${p}.bias`].data as Float32Array)], outputs: [`${p}_out`] });
      timeMajor = `${p}_out`;
      if (l.activation !== 'linear') {
        nodes.push({ op: { relu: 'Relu', tanh: 'Tanh', sigmoid: 'Sigmoid' }[l.activation], inputs: [timeMajor], outputs: [`${p}_act`] });
        timeMajor = `${p}_act`;
      }
      F = l.units;
    } // dropout: nothing at inference
  });

  function recurrent(l: RecurrentConfig, p: string, x: string): string {
    check(l.projSize === 0, 'UNSUPPORTED', `${p}: ONNX's LSTM has no projection (proj_size); this network cannot be exported to ONNX`);
    const D = l.bidirectional ? 2 : 1, H = l.hidden, G = ONNX_GATES[l.cell].length;
    for (let k = 0; k < l.layers; k++) {
      const I = k === 0 ? F : D * H;
      const Wd = new Float32Array(D * G * H * I), Rd = new Float32Array(D * G * H * H), Bd = new Float32Array(D * 2 * G * H);
      for (let d = 0; d < D; d++) {
        const s = `${l.name ? `${l.name}.` : ''}%s_l${k}${d ? '_reverse' : ''}`, get = (n: string) => w[s.replace('%s', n)].data as Float32Array;
        const order = ONNX_GATES[l.cell];
        Wd.set(permuteGates(get('weight_ih'), H, order), d * G * H * I);
        Rd.set(permuteGates(get('weight_hh'), H, order), d * G * H * H);
        Bd.set(permuteGates(get('bias_ih'), H, order), d * 2 * G * H);
        Bd.set(permuteGates(get('bias_hh'), H, order), d * 2 * G * H + G * H);
      }
      const n = `${p}_l${k}`;
      const attrs: Record<string, Attr> = { hidden_size: H, direction: D === 2 ? 'bidirectional' : 'forward' };
      if (l.cell === 'gru') attrs.linear_before_reset = l.resetAfter ? 1 : 0;
      if (l.cell === 'rnn') attrs.activations = Array(D).fill(l.nonlinearity === 'relu' ? 'Relu' : 'Tanh');
      nodes.push({
        op: ONNX_OP[l.cell], inputs: [x, f32(`${n}.W`, [D, G * H, I], Wd), f32(`${n}.R`, [D, G * H, H], Rd), f32(`${n}.B`, [D, 2 * G * H], Bd), lens ? 'lengths' : ''],
        outputs: [`${n}_Y`, `${n}_Y_h`], attrs,
      });
      // Y (T, D, B, H) -> (T, B, D*H) for the next layer and the head
      nodes.push({ op: 'Transpose', inputs: [`${n}_Y`], outputs: [`${n}_Yt`], attrs: { perm: [0, 2, 1, 3] } });
      nodes.push({ op: 'Reshape', inputs: [`${n}_Yt`, konst(`${n}.shape`, [3], [0, 0, -1])], outputs: [`${n}_y`] });
      x = `${n}_y`;
      lastYh = `${n}_Y_h`;
    }
    F = D * H;
    const out = l.output;
    check(!lens || out === 'sequence' || out === 'final_state', 'UNSUPPORTED',
      `${p}: output '${out}' over valid steps is not exported with lengths; export without lengths or use 'sequence' / 'final_state'`);
    if (out === 'sequence') return x;
    seq = false;
    if (out === 'final_state') {
      nodes.push({ op: 'Transpose', inputs: [lastYh], outputs: [`${p}_hT`], attrs: { perm: [1, 0, 2] } });
      nodes.push({ op: 'Reshape', inputs: [`${p}_hT`, konst(`${p}.flat`, [2], [0, -1])], outputs: [`${p}_final`] });
      return `${p}_final`;
    }
    if (out === 'last_step') {
      nodes.push({ op: 'Gather', inputs: [x, konst(`${p}.last`, [], [-1])], outputs: [`${p}_last`], attrs: { axis: 0 } });
      return `${p}_last`;
    }
    nodes.push({ op: out === 'mean' ? 'ReduceMean' : 'ReduceMax', inputs: [x], outputs: [`${p}_${out}`], attrs: { axes: [0], keepdims: 0 } });
    return `${p}_${out}`;
  }

  let output = timeMajor;
  if (seq && bf) {
    nodes.push({ op: 'Transpose', inputs: [output], outputs: ['output_bf'], attrs: { perm: [1, 0, 2] } });
    output = 'output_bf';
  }
  nodes.push({ op: 'Identity', inputs: [output], outputs: ['output'] });
  const outDims: (number | string)[] = seq ? (bf ? ['B', 'T', F] : ['T', 'B', F]) : ['B', F];
  if (!net.layers.some((l) => l.type === 'recurrent')) throw new LstmWasmError('UNSUPPORTED', 'ONNX export needs a recurrent layer');

  const out: number[] = [];
  int(1, 8, out); // ir_version
  str(2, 'lstm-wasm', out);
  msg(7, (g) => {
    nodes.forEach((n, i) => msg(1, (m) => {
      n.inputs.forEach((x) => str(1, x, m));
      n.outputs.forEach((x) => str(2, x, m));
      str(3, `${n.op}_${i}`, m);
      str(4, n.op, m);
      for (const [k, v] of Object.entries(n.attrs ?? {})) msg(5, (a) => attribute(k, v, a), m);
    }, g));
    str(2, 'network', g);
    inits.forEach((t) => msg(5, (m) => tensor(t, m), g));
    inputs.forEach(([name, type, dims]) => msg(11, (m) => valueInfo(name, type, dims, m), g));
    msg(12, (m) => valueInfo('output', 1, outDims, m), g);
  }, out);
  msg(8, (o) => int(2, 14, o), out); // opset_import: default domain, version 14
  return Uint8Array.from(out);
}
