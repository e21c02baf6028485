// model/run_plan.ts: what one run computes, worked out before any kernel runs — shapes and host values node by
// node (If branches chosen), and the layout of the run region. A pure function of the inputs' dims and of the values
// of the host (integer, bool) inputs, so a stream of same-shaped runs plans once (Executor caches the plans).
import { check, fmtDims } from '../errors.js';
import type { Runtime } from '../runtime.js';
import { type Graph, type PlacedNode, nodeName } from './graph.js';
import type { DevVal, Val } from './ops/registry.js';
import { recurrentDef } from './ops/rnn.js';
import type { SlotNeed } from './state.js';
import { sizeOf } from './strided.js';
import type { HostTensor, OpNode, RecurrentNode } from './types.js';

/** One step of a run: a node, or an If output taking its chosen branch's value. */
export type RunStep = PlacedNode | { alias: string; from: string };

/** A device node's call, with its operands' addresses fixed for one region base. */
export interface Call {
  pn: PlacedNode;
  ins: (DevVal | undefined)[];
  outs: DevVal[];
  prepared: unknown;
}

export interface RunPlan {
  /** the nodes this run computes, in order */
  steps: RunStep[];
  /** every value: host values with their data, device values with their dims */
  vals: Map<string, Val>;
  /** byte offsets in the run region of the device values and of the host values uploaded for device nodes */
  ptr: Map<string, number>;
  uploads: string[];
  scratchAt: number;
  bytes: number;
  /** recurrent nodes whose weights were fed to this run (translated per run: such plans are not cached) */
  translated: Map<PlacedNode, RecurrentNode>;
  /** step(): the state each recurrent node carries */
  needs: SlotNeed[];
  /** the calls for one region base, built by the first run at that base, and the address of every device value */
  calls?: { base: number; list: Call[]; at(name: string): number };
}

const align16 = (n: number) => Math.ceil(n / 16) * 16; // not bitwise: sizes may pass 2^32

export interface PlanContext {
  graph: Graph;
  rt: Runtime;
  /** the recurrent node to run: as planned, or translated from weights fed to this run */
  recurrentOf(pn: PlacedNode, ins: (Val | undefined)[]): RecurrentNode;
  step: boolean;
}

export function planRun(c: PlanContext, inputs: Map<string, Val>, wanted: readonly string[]): RunPlan {
  const { graph: g, rt, step } = c;

  // 1. shapes, and every host value, node by node
  const vals = new Map(inputs);
  const get = (n: string) => (n === '' ? undefined : vals.get(n) ?? g.constants.get(n));
  const scratch = new Map<PlacedNode, number>();
  const translated = new Map<PlacedNode, RecurrentNode>();
  const needs: SlotNeed[] = [];
  const steps: RunStep[] = [];
  const visit = (list: PlacedNode[]) => {
    for (const pn of list) {
      if (pn.branches) {
        const cond = get(pn.inputs[0]);
        check(cond?.data !== undefined && cond.data.length === 1, 'INPUT', () => `${nodeName(pn.node)}: its condition '${pn.inputs[0]}' must be one value known before the run`);
        const branch = pn.branches[cond.data[0] ? 0 : 1];
        visit(branch.nodes);
        pn.outputs.forEach((o, i) => {
          vals.set(o, get(branch.outputs[i])!);
          if (g.device.has(o)) steps.push({ alias: o, from: branch.outputs[i] });
        });
        continue;
      }
      const ins = pn.inputs.map(get);
      pn.inputs.forEach((n, i) => check(n === '' || ins[i] !== undefined || !pn.def, 'INPUT', () => `${nodeName(pn.node)}: its input '${n}' was not given`));
      let outs: Val[];
      if (!pn.def) {
        const node = c.recurrentOf(pn, ins);
        if (node !== pn.node) translated.set(pn, node);
        outs = recurrentDef.infer(node, ins);
        scratch.set(pn, recurrentDef.scratch(rt, node, ins));
        if (step) {
          check(!ins[3], 'INPUT', () => `step(): recurrent node '${node.name}' got lengths '${pn.inputs[3]}'; step() carries every item's state to the next call, so feed whole steps (no lengths)`);
          needs.push({ node, hDims: outs[1].dims, cDims: outs[2].dims });
        }
      } else if (pn.device) {
        outs = pn.def.infer(pn.node as OpNode, ins, g.opset);
        scratch.set(pn, pn.def.scratch?.(pn.node as OpNode, ins, outs, g.opset) ?? 0);
      } else {
        outs = pn.def.host(pn.node as OpNode, ins as HostTensor[], g.opset);
      }
      pn.outputs.forEach((o, i) => o && vals.set(o, outs[i]));
      steps.push(pn);
    }
  };
  visit(g.nodes);
  // the model's word on its outputs' shapes holds, or the file contradicts itself
  for (const o of g.outputs) {
    const v = get(o.name);
    if (!v || (o.ranks && o.ranks.includes(v.dims.length))) continue;
    check(v.dims.length === o.dims.length && o.dims.every((d, i) => typeof d !== 'number' || d === v.dims[i]), 'MODEL',
      () => `graph output '${o.name}' comes out ${fmtDims(v.dims)} but the model declares ${fmtDims(o.dims)}`);
  }

  // 2. one run region: device values, per-run uploads, the largest scratch. A recurrent output no one reads (y when
  // only the final state is fetched) gets no place: the kernel skips it, so memory does not grow with T for it.
  const needed = new Set(wanted);
  for (const pn of steps) if ('alias' in pn) needed.add(pn.from); else pn.inputs.forEach((n) => n && needed.add(n));
  const ptr = new Map<string, number>();
  let bytes = 0;
  const reserve = (name: string, n: number) => {
    ptr.set(name, bytes);
    bytes += align16(n * 4);
  };
  for (const info of g.inputs) if (g.device.has(info.name) && vals.has(info.name)) reserve(info.name, sizeOf(vals.get(info.name)!.dims));
  const uploads: string[] = [];
  for (const pn of steps) {
    if ('alias' in pn || !pn.device) continue;
    const host = new Set(pn.def?.hostInputs?.(g.opset) ?? []);
    pn.inputs.forEach((n, i) => {
      if (n && vals.has(n) && !ptr.has(n) && !g.device.has(n) && !host.has(i)) {
        reserve(n, sizeOf(vals.get(n)!.dims));
        uploads.push(n);
      }
    });
    pn.outputs.forEach((o) => o && !pn.def?.alias && (pn.def || needed.has(o)) && reserve(o, sizeOf(vals.get(o)!.dims)));
  }
  const scratchAt = bytes;
  bytes += align16(Math.max(0, ...scratch.values()));
  return { steps, vals, ptr, uploads, scratchAt, bytes, translated, needs };
}

/**
 * The key under which a plan serves again: every input's dims, and the values of host inputs (ints, bools) except those
 * in `runValues` (read by device kernels only, as they run: the Executor hands each run's values to the plan's calls).
 * Float inputs' values never reach a plan in a cacheable graph (Executor checks that no host op reads them).
 */
export function planKey(g: Graph, inputs: Map<string, Val>, step: boolean, wanted: readonly string[], runValues: ReadonlySet<string>): string {
  let key = `${step ? 's' : 'r'}${wanted.join(',')}`;
  for (const info of g.inputs) {
    const v = inputs.get(info.name);
    key += v ? `|${v.dims.join(',')}` : '|-';
    if (v && v.dtype !== 'float32' && !runValues.has(info.name)) key += `:${Array.prototype.join.call(v.data, ',')}`;
  }
  return key;
}
