// model/plan.ts: copy a recurrent node's weights once into the wasm arena, packed the way the kernels stream them.
import { LstmWasmError } from '../errors.js';
import type { Runtime } from '../runtime.js';
import { GATES, directionsOf, layerInputSize, stateSizeOf } from './recurrent.js';
import type { Activation, RecurrentNode } from './types.js';

const roundUp16 = (n: number) => Math.ceil(n / 16) * 16;

/** One spec block per layer and direction ([l * D + d]), ready for recurrent_seq_f32. */
export interface PackedRecurrent {
  node: RecurrentNode;
  specs: number[];
}

/**
 * Hands the rows of W (G*H, K), gate-major, to `pack` 16 at a time as they sit in the padded (G*HP, K) layout
 * (each gate's rows from a multiple of HP, padding rows zero), through one 16-row staging block — so packing
 * never holds a second copy of the whole matrix in wasm memory (which would stay grown).
 */
function stageBlocks(rt: Runtime, w: Float32Array, G: number, H: number, HP: number, K: number, what: string,
  pack: (block: number, staging: number) => void): void {
  const top = rt.mark();
  const staging = rt.alloc(16 * K * 4, `${what} (staging)`);
  for (let j = 0; j < (G * HP) / 16; j++) {
    const view = rt.f32(staging, 16 * K);
    view.fill(0);
    for (let r = 0; r < 16; r++) {
      const row = j * 16 + r, g = Math.floor(row / HP), u = row % HP;
      if (u < H) view.set(w.subarray((g * H + u) * K, (g * H + u + 1) * K), r * K);
    }
    const bad = rt.core.find_nonfinite_f32(staging, 16 * K);
    if (bad >= 0) {
      const row = j * 16 + Math.floor(bad / K), g = Math.floor(row / HP), u = row % HP;
      throw new LstmWasmError('MODEL', `${what}: value ${rt.f32(staging, 16 * K)[bad]} at flat index ${(g * H + u) * K + (bad % K)}; weights must be finite`);
    }
    pack(j, staging);
  }
  rt.reset(top);
}

/** Packs W (G*H, K), gate-major, into f32 panels (gemm.ts) of (G*HP, K). */
export function packGateRows(rt: Runtime, w: Float32Array, G: number, H: number, HP: number, K: number, what: string): number {
  const panels = rt.alloc(G * HP * K * 4, what);
  stageBlocks(rt, w, G, H, HP, K, what, (j, staging) => rt.core.pack_panel16_f32(panels + j * 16 * K * 4, staging, 16, K, K));
  return panels;
}

/** Copies `src` gate by gate into a zeroed (G*HP) block. */
function padGates(rt: Runtime, src: Float32Array, G: number, H: number, HP: number, what: string): number {
  const ptr = rt.alloc(G * HP * 4, what);
  const view = rt.f32(ptr, G * HP);
  view.fill(0);
  for (let g = 0; g < G; g++) view.set(src.subarray(g * H, (g + 1) * H), g * HP);
  return ptr;
}

function actCode(rt: Runtime, a: Activation): number {
  return rt.k[`ACT_${a.name.toUpperCase()}`];
}

const cellKind = (rt: Runtime, node: RecurrentNode) =>
  node.cell === 'lstm' ? rt.k.CELL_LSTM : node.cell === 'gru' ? rt.k.CELL_GRU : rt.k.CELL_RNN;

/** Workspace bytes of the largest direction of the node for up to B items (all its layers share the sizes). */
export function recurrentWorkspaceBytes(rt: Runtime, node: RecurrentNode, B: number): number {
  const HP = roundUp16(node.hiddenSize), PP = node.projSize ? roundUp16(stateSizeOf(node)) : 0;
  const K = Math.max(node.inputSize, directionsOf(node) * stateSizeOf(node)); // widest row a product quantizes
  return rt.core.recurrent_workspace_bytes(cellKind(rt, node), HP, PP, B, K);
}

/** int8-quantized weights up to this size are stored widened to int16: in cache, widening would cost more than it saves. */
const WIDE_MAX_BYTES = 1 << 20;

/**
 * Quantizes W (G*H, K), gate-major, row by row to int8 (q8.ts) panels of (G*HP, K); returns the panels, the
 * (G*HP) row scales and whether the values are stored widened to int16.
 */
function packGateRowsQ8(rt: Runtime, w: Float32Array, G: number, H: number, HP: number, K: number, what: string): [number, number, boolean] {
  const MP = G * HP;
  const wide = rt.core.q8_panel_bytes_of(MP, K, 1) <= WIDE_MAX_BYTES;
  const block = rt.core.q8_panel_bytes_of(16, K, wide ? 1 : 0);
  const panels = rt.alloc(block * (MP / 16), `${what} (int8)`);
  const scales = rt.alloc(MP * 4, `${what} row scales`);
  stageBlocks(rt, w, G, H, HP, K, what, (j, staging) =>
    rt.core.pack_q8_f32(panels + j * block, scales + j * 64, staging, 16, K, K, wide ? 1 : 0));
  return [panels, scales, wide];
}

/** Packs every layer and direction; `int8` quantizes Wx and Wh per output row (the projection stays float32). */
export function packRecurrent(rt: Runtime, node: RecurrentNode, int8 = false): PackedRecurrent {
  const k = rt.k;
  const G = GATES[node.cell], H = node.hiddenSize, P = stateSizeOf(node), D = directionsOf(node);
  const HP = roundUp16(H), PP = node.projSize ? roundUp16(P) : 0;
  const kind = cellKind(rt, node);
  const specs: number[] = [];
  node.weights.forEach((w, i) => {
    const l = Math.floor(i / D), d = i % D, I = layerInputSize(node, l);
    const what = `node '${node.name}', layer ${l}${d ? ' reverse' : ''}`;
    const spec = rt.alloc(k.SPEC_WORDS * 4, `${what} spec`);
    const [wx, wxScale, wxWide] = int8 ? packGateRowsQ8(rt, w.wx, G, H, HP, I, `${what}, input weights Wx`) : [packGateRows(rt, w.wx, G, H, HP, I, `${what}, input weights Wx`), 0, false];
    const [wh, whScale, whWide] = int8 ? packGateRowsQ8(rt, w.wh, G, H, HP, P, `${what}, recurrent weights Wh`) : [packGateRows(rt, w.wh, G, H, HP, P, `${what}, recurrent weights Wh`), 0, false];

    // Both biases go into the input projection, except GRU's recurrent n bias under linear_before_reset.
    const keepBhn = node.cell === 'gru' && node.linearBeforeReset;
    const merged = w.bx.map((v, j) => (keepBhn && j >= 2 * H ? v : v + w.bh[j]));
    const bias = padGates(rt, merged, G, H, HP, `${what} bias`);
    const bhn = keepBhn ? padGates(rt, w.bh.subarray(2 * H), 1, H, HP, `${what} recurrent n bias`) : 0;
    const peep = w.peep ? padGates(rt, w.peep, 3, H, HP, `${what} peepholes`) : 0;
    const wr = w.wr ? packGateRows(rt, w.wr, 1, P, PP, H, `${what}, projection Wr`) : 0;

    const acts = node.activations[d];
    let flags = d === 1 || node.direction === 'reverse' ? k.FLAG_REVERSE : 0;
    if (node.inputForget) flags |= k.FLAG_INPUT_FORGET;
    if (node.linearBeforeReset) flags |= k.FLAG_LINEAR_BEFORE_RESET;
    if (int8) flags |= k.FLAG_Q8 | (wxWide ? k.FLAG_WX_WIDE : 0) | (whWide ? k.FLAG_WH_WIDE : 0);
    const words = rt.i32(spec, k.SPEC_WORDS);
    const floats = rt.f32(spec, k.SPEC_WORDS);
    words.fill(0);
    words[k.SPEC_KIND] = kind;
    words[k.SPEC_I] = I;
    words[k.SPEC_H] = H;
    words[k.SPEC_P] = P;
    words[k.SPEC_HP] = HP;
    words[k.SPEC_PP] = PP;
    words[k.SPEC_WX] = wx;
    words[k.SPEC_WH] = wh;
    words[k.SPEC_BIAS] = bias;
    words[k.SPEC_BHN] = bhn;
    words[k.SPEC_PEEP] = peep;
    words[k.SPEC_WR] = wr;
    words[k.SPEC_WX_SCALE] = wxScale;
    words[k.SPEC_WH_SCALE] = whScale;
    floats[k.SPEC_CLIP] = node.clip;
    words[k.SPEC_FLAGS] = flags;
    acts.forEach((a, j) => {
      words[k.SPEC_ACT + j] = actCode(rt, a);
      floats[k.SPEC_ALPHA + j] = a.alpha;
      floats[k.SPEC_BETA + j] = a.beta;
    });
    specs.push(spec);
  });
  return { node, specs };
}
