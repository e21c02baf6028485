// model/state.ts: the recurrent state step() carries between calls — h and c of every recurrent node, kept in wasm.
import { LstmWasmError, check, fmtDims } from '../errors.js';
import type { Runtime } from '../runtime.js';
import { Tensor } from '../tensor.js';
import { type Graph, allPlaced } from './graph.js';
import { sizeOf } from './strided.js';
import type { Dim, RecurrentNode, ValueInfo } from './types.js';

/** One node's state in wasm: h (and c for an LSTM) laid out as the node's own h_n / c_n outputs. */
export interface Slot {
  node: RecurrentNode;
  h: number; // ptr, sizeOf(hDims) floats
  c: number; // ptr, sizeOf(cDims) floats; 0 for GRU / RNN
  hDims: number[];
  cDims: number[];
}

/** What getState() returns and setState() takes: per recurrent node (by name), h and, for an LSTM, c. */
export type RecurrentState = Record<string, { h: Tensor; c?: Tensor }>;

/** The state dims a step needs, per node, read off its inputs. */
export interface SlotNeed {
  node: RecurrentNode;
  hDims: number[];
  cDims: number[];
}

const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

export class StateStore {
  /** Empty until the first step() or setState(); then one slot per recurrent node, in graph order. */
  slots: Slot[] = [];

  /** A node that reads the sequence from its end cannot take it in pieces. */
  static checkStreamable(nodes: readonly RecurrentNode[]): void {
    check(nodes.length > 0, 'MODEL', 'step() needs a recurrent node to carry state; this model has none');
    for (const n of nodes) {
      check(n.direction === 'forward', 'MODEL',
        () => `step(): recurrent node '${n.name}' is ${n.direction}: its reverse direction reads the sequence from the end, so it cannot be fed in pieces; use run() on the whole sequence`);
    }
  }

  /**
   * Checks a step's state dims against the slots; returns true when slots must be (re)allocated. Different dims
   * (another batch size) are an error: the state belongs to the items it was computed for.
   */
  needsAlloc(needs: readonly SlotNeed[], filled: boolean): boolean {
    if (!this.slots.length || !filled) return true; // nothing carried yet: size the slots for this step
    needs.forEach((w, i) => {
      const s = this.slots[i];
      check(same(s.hDims, w.hDims), 'INPUT',
        () => `step(): node '${w.node.name}' carries state for ${fmtDims(s.hDims)} but this step's input needs ${fmtDims(w.hDims)}; ` +
        'call resetState() (or setState()) to start over with another batch size');
    });
    return false;
  }

  /** Allocates zeroed slots in the arena (the caller has moved the run region out of the way). */
  alloc(rt: Runtime, needs: readonly SlotNeed[]): void {
    this.slots = needs.map(({ node, hDims, cDims }) => {
      const lstm = node.cell === 'lstm';
      const h = rt.alloc(sizeOf(hDims) * 4, `state h of node '${node.name}'`);
      const c = lstm ? rt.alloc(sizeOf(cDims) * 4, `state c of node '${node.name}'`) : 0;
      rt.f32(h, sizeOf(hDims)).fill(0);
      if (c) rt.f32(c, sizeOf(cDims)).fill(0);
      return { node, h, c, hDims, cDims: lstm ? cDims : [] };
    });
  }

  read(rt: Runtime): RecurrentState {
    const out: RecurrentState = {};
    for (const s of this.slots) {
      out[s.node.name] = { h: new Tensor('float32', rt.f32(s.h, sizeOf(s.hDims)).slice(), s.hDims) };
      if (s.c) out[s.node.name].c = new Tensor('float32', rt.f32(s.c, sizeOf(s.cDims)).slice(), s.cDims);
    }
    return out;
  }

  /** Checks a state given to setState() against the nodes; returns the dims to allocate and the state as checked Tensors. */
  static needsOf(given: RecurrentState, nodes: readonly RecurrentNode[], hDimsOf: (n: RecurrentNode, B: number, rank: number) => [number[], number[]]): [SlotNeed[], RecurrentState] {
    check(given !== null && typeof given === 'object', 'INPUT', 'setState(state): state must be an object of node name -> { h, c }');
    const state: RecurrentState = {};
    const names = nodes.map((n) => n.name);
    for (const k of Object.keys(given)) check(names.includes(k), 'INPUT', () => `setState(): no recurrent node '${k}'; the nodes are ${names.join(', ')}`);
    let B0: number | undefined;
    const needs = nodes.map((node) => {
      const raw = given[node.name];
      check(raw && typeof raw === 'object' && raw.h, 'INPUT', () => `setState(): missing state of node '${node.name}' ({ h${node.cell === 'lstm' ? ', c' : ''} })`);
      const lstm = node.cell === 'lstm';
      check(lstm ? raw.c !== undefined && raw.c !== null : raw.c === undefined, 'INPUT',
        () => `setState(): node '${node.name}' is ${lstm ? 'an LSTM and needs c' : `a ${node.cell.toUpperCase()} and has no c`}`);
      const tensor = (t: Tensor, what: string): Tensor => {
        try {
          check(t !== null && typeof t === 'object', 'INPUT', 'not a Tensor');
          return new Tensor(t.type, t.data as Float32Array, t.dims);
        } catch (e) {
          throw new LstmWasmError('INPUT', `setState(): ${what} of node '${node.name}': ${(e as Error).message.replace(/^Tensor: /, '')}`);
        }
      };
      const s = (state[node.name] = { h: tensor(raw.h, 'h'), ...(lstm ? { c: tensor(raw.c!, 'c') } : {}) });
      const hd = s.h.dims;
      const B = hd.length === 3 ? (node.layout === 'onnx' && node.batchFirst ? hd[0] : hd[1]) : 1;
      B0 ??= B;
      const [hDims, cDims] = hDimsOf(node, B, hd.length);
      for (const [t, want, what] of [[s.h, hDims, 'h'], [s.c, cDims, 'c']] as const) {
        if (!t) continue;
        check(t.type === 'float32', 'INPUT', () => `setState(): ${what} of node '${node.name}' must be float32, got ${t.type}`);
        check(same(t.dims, want) && B === B0, 'INPUT', () => `setState(): ${what} of node '${node.name}' is ${fmtDims(t.dims)}; expected ${fmtDims(want)}`);
        const d = t.data as Float32Array;
        for (let i = 0; i < d.length; i++) {
          if (!Number.isFinite(d[i])) throw new LstmWasmError('INPUT', `setState(): ${what} of node '${node.name}' has ${d[i]} at flat index ${i}`);
        }
      }
      return { node, hDims, cDims };
    });
    return [needs, state];
  }

  write(rt: Runtime, state: RecurrentState): void {
    for (const s of this.slots) {
      const t = state[s.node.name];
      rt.f32(s.h, sizeOf(s.hDims)).set(t.h.data as Float32Array);
      if (s.c) rt.f32(s.c, sizeOf(s.cDims)).set(t.c!.data as Float32Array);
    }
  }
}

/**
 * Graph inputs that only ever become a recurrent node's initial state (h0 / c0), directly or through ops (an
 * exported stacked LSTM slices one h0 per layer). After the first step() the carried state takes their place.
 */
export function stateInputs(g: Graph): Set<string> {
  const consumers = new Map<string, [Graph['nodes'][number], number][]>();
  for (const pn of allPlaced(g.nodes)) pn.inputs.forEach((n, i) => n && consumers.set(n, [...(consumers.get(n) ?? []), [pn, i]]));
  const outputs = new Set(g.outputs.map((o) => o.name));
  const memo = new Map<string, boolean>();
  const only = (v: string): boolean => {
    if (memo.has(v)) return memo.get(v)!;
    memo.set(v, false); // a cycle cannot happen in a sorted graph; this also stops a revisit
    const uses = consumers.get(v) ?? [];
    const ok = !outputs.has(v) && uses.length > 0 &&
      uses.every(([pn, i]) => (pn.def || pn.branches ? pn.outputs.every((o) => !o || only(o)) : i === 1 || i === 2));
    memo.set(v, ok);
    return ok;
  };
  return new Set(g.inputs.map((i) => i.name).filter(only));
}

/**
 * The feeds of a step after the first: state inputs must not be fed (the carried state replaces them) and required
 * ones are filled with zeros, sized by binding the free dims of the fed inputs.
 */
export function continueFeeds<T extends { dims: readonly number[] }>(feeds: Record<string, T>, inputs: readonly ValueInfo[], state: Set<string>,
  zeros: (dims: number[]) => T, fallback: (name: string, axis: number) => number | undefined = () => undefined): Record<string, T> {
  checkNoStateFeeds(feeds, state);
  const out = { ...feeds };
  const bound = new Map<Dim, number>();
  for (const info of inputs) {
    const t = feeds[info.name];
    if (t && !state.has(info.name)) info.dims.forEach((d, i) => typeof d === 'string' && t.dims.length === info.dims.length && bound.set(d, t.dims[i]));
  }
  for (const name of state) {
    const info = inputs.find((i) => i.name === name)!;
    if (info.optional) continue;
    const dims = info.dims.map((d, i) => (typeof d === 'number' ? d : bound.get(d) ?? fallback(name, i)));
    check(dims.every((d) => d !== undefined), 'INPUT',
      () => `step(): cannot size the unused initial state '${name}' ${fmtDims(info.dims)} from this step's inputs; feed it (it is ignored after the first step)`);
    out[name] = zeros(dims as number[]);
  }
  return out;
}

/** After the first step, the state inputs are not fed: the carried state replaces them. */
export function checkNoStateFeeds(feeds: Record<string, unknown>, state: Set<string>): void {
  for (const name of state) {
    check(!(name in feeds), 'INPUT',
      () => `step(): '${name}' is where the first step starts; later steps continue from the carried state (set it with setState(), or resetState() to start over)`);
  }
}

/** The batch axis of a node's state tensors: onnx layout=1 puts the batch first ([B, D, H]); otherwise [L*D, B, P]. */
export const batchAxis = (n: RecurrentNode, rank: number) => (rank === 2 ? -1 : n.layout === 'onnx' && n.batchFirst ? 0 : 1);

/** A state whose item i is item rows[i] of `state` (beam search: which hypotheses continue, and from where). */
export function selectRows(state: RecurrentState, nodes: readonly RecurrentNode[], rows: readonly number[]): RecurrentState {
  const out: RecurrentState = {};
  for (const n of nodes) {
    const pick = (t: Tensor): Tensor => {
      const axis = batchAxis(n, t.dims.length);
      check(axis >= 0, 'INPUT', () => `selectState(): node '${n.name}' streams one unbatched sequence; there are no items to select`);
      const B = t.dims[axis], outer = t.dims.slice(0, axis).reduce((a, b) => a * b, 1), inner = t.dims.slice(axis + 1).reduce((a, b) => a * b, 1);
      rows.forEach((r, i) => check(Number.isInteger(r) && r >= 0 && r < B, 'INPUT', () => `selectState(): rows[${i}] = ${r} is not an item of the batch of ${B}`));
      const src = t.data as Float32Array, dst = new Float32Array(outer * rows.length * inner);
      for (let o = 0; o < outer; o++) {
        rows.forEach((r, i) => dst.set(src.subarray((o * B + r) * inner, (o * B + r + 1) * inner), (o * rows.length + i) * inner));
      }
      return new Tensor('float32', dst, t.dims.map((d, i) => (i === axis ? rows.length : d)));
    };
    const s = state[n.name];
    out[n.name] = { h: pick(s.h), ...(s.c ? { c: pick(s.c) } : {}) };
  }
  return out;
}
