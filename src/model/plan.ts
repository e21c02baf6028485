// model/plan.ts: copy a recurrent node's weights once into the wasm arena, packed the way the kernels stream them.
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
 * Packs W (G*H, K), gate-major, into panels of (G*HP, K): each gate's rows start at a multiple of HP
 * (H rounded up to 16) and the padding rows are zero, so every panel block is whole.
 */
function packGateRows(rt: Runtime, w: Float32Array, G: number, H: number, HP: number, K: number, what: string): number {
  const MP = G * HP;
  const panels = rt.alloc(MP * K * 4, what);
  const top = rt.mark();
  const tmp = rt.alloc(MP * K * 4, `${what} (staging)`);
  const view = rt.f32(tmp, MP * K);
  view.fill(0);
  for (let g = 0; g < G; g++) view.set(w.subarray(g * H * K, (g + 1) * H * K), g * HP * K);
  rt.core.pack_panel16_f32(panels, tmp, MP, K, K);
  rt.reset(top);
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
  return rt.core.recurrent_workspace_bytes(cellKind(rt, node), HP, PP, B);
}

export function packRecurrent(rt: Runtime, node: RecurrentNode): PackedRecurrent {
  const k = rt.k;
  const G = GATES[node.cell], H = node.hiddenSize, P = stateSizeOf(node), D = directionsOf(node);
  const HP = roundUp16(H), PP = node.projSize ? roundUp16(P) : 0;
  const kind = cellKind(rt, node);
  const specs: number[] = [];
  node.weights.forEach((w, i) => {
    const l = Math.floor(i / D), d = i % D, I = layerInputSize(node, l);
    const what = `${node.name} layer ${l}${d ? ' reverse' : ''}`;
    const spec = rt.alloc(k.SPEC_WORDS * 4, `${what} spec`);
    const wx = packGateRows(rt, w.wx, G, H, HP, I, `${what} Wx`);
    const wh = packGateRows(rt, w.wh, G, H, HP, P, `${what} Wh`);

    // Both biases go into the input projection, except GRU's recurrent n bias under linear_before_reset.
    const keepBhn = node.cell === 'gru' && node.linearBeforeReset;
    const merged = w.bx.map((v, j) => (keepBhn && j >= 2 * H ? v : v + w.bh[j]));
    const bias = padGates(rt, merged, G, H, HP, `${what} bias`);
    const bhn = keepBhn ? padGates(rt, w.bh.subarray(2 * H), 1, H, HP, `${what} recurrent n bias`) : 0;
    const peep = w.peep ? padGates(rt, w.peep, 3, H, HP, `${what} peepholes`) : 0;
    const wr = w.wr ? packGateRows(rt, w.wr, 1, P, PP, H, `${what} projection`) : 0;

    const acts = node.activations[d];
    let flags = d === 1 || node.direction === 'reverse' ? k.FLAG_REVERSE : 0;
    if (node.inputForget) flags |= k.FLAG_INPUT_FORGET;
    if (node.linearBeforeReset) flags |= k.FLAG_LINEAR_BEFORE_RESET;
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
