// model/exec.ts: run a model — compute shapes and host values (If branches chosen), lay out one run region, call the kernels.
import { LstmWasmError, check } from '../errors.js';
import type { Runtime } from '../runtime.js';
import { Tensor } from '../tensor.js';
import { Device } from './device.js';
import { type Feeds, nonFinite, checkFeeds, tensorOf, valueOf } from './feeds.js';

export type { Feeds };
import { type Graph, type PlacedNode, allPlaced, analyze } from './graph.js';
import type { DevVal, Val } from './ops/registry.js';
import { onnxRecurrent } from '../formats/onnx_recurrent.js';
import { recurrentChunks, recurrentDef } from './ops/rnn.js';
import type { PackedRecurrent } from './plan.js';
import { type Call, type RunPlan, planKey, planRun } from './run_plan.js';
import { type RecurrentState, type SlotNeed, StateStore, batchAxis, selectRows, stateInputs } from './state.js';
import { StepFeeds } from './step_feeds.js';
import { ioDims } from './layout.js';
import { validateRecurrent } from './recurrent.js';
import { sizeOf } from './strided.js';
import type { DType, HostTensor, Model, OpNode, RecurrentNode } from './types.js';



export interface ExecOptions {
  /** Reject NaN and ±Infinity in float inputs (default true): they would spread through every later step. */
  checkFinite?: boolean;
  /** 'int8': recurrent weights quantized per output row at load time (a quarter of the bytes; outputs within ~1e-2). */
  weights?: 'float32' | 'int8';
}

/** Whether a node reads the values (not only the dims) of a float graph input on the host. */
function readsFloatInputs(g: Graph, pn: PlacedNode): boolean {
  if (!pn.def || pn.def.dimsOnly) return false;
  const floatInput = (n: string) => g.inputs.some((i) => i.name === n && i.types[0] === 'float32');
  const host = pn.device ? pn.def.hostInputs?.(g.opset) ?? [] : pn.inputs.map((_n, i) => i);
  return host.some((i) => pn.inputs[i] && floatInput(pn.inputs[i]));
}

/** Plans kept per session, most recently used: one per distinct input dims (a decoder meets one per source length). */
const PLANS = 64;

export class Executor {
  private readonly graph: Graph;
  private readonly prepared = new Map<PlacedNode, unknown>();
  /** constants read by device nodes, uploaded once at plan time */
  private readonly constPtr = new Map<string, number>();
  private readonly params: number;
  private readonly weightsTop: number;
  /** where the run region starts: above the weights, and above the step() state once there is one */
  private top: number;
  private region = 0;
  private capacity = 0;
  private readonly state = new StateStore();
  /** plans of recent runs, by input dims and host input values (most recently used last) */
  private readonly plans = new Map<string, RunPlan>();
  /** whether a plan depends only on dims and host input values (no host op reads a float input, no weights are fed) */
  private readonly cacheable: boolean;
  /** integer inputs only device kernels read, at run time (Gather's indices): plans are keyed by their dims alone */
  private readonly runValueInputs = new Set<string>();
  /** a recurrent node inside an If branch: which state a step carries would depend on the branch */
  private readonly branchRecurrent: RecurrentNode | undefined;
  /** graph inputs that only feed recurrent initial states: the carried state replaces them after the first step */
  private readonly stateIns: Set<string>;
  /** whether the state slots hold a state (from a step or setState) rather than waiting for the first step */
  private stateFilled = false;
  /** the feeds of steps: zero stand-ins for the state inputs after the first */
  private readonly stepFeeds: StepFeeds;
  /** counts changes of the step() state, so a stream can tell that someone else moved it */
  stateVersion = 0;

  constructor(
    private readonly rt: Runtime,
    readonly model: Model,
    private readonly options: ExecOptions = {},
  ) {
    for (const n of model.nodes) if (n.op === 'recurrent' && !n.runtimeWeights) validateRecurrent(n); // a hand-built Model may not be
    const g = (this.graph = analyze(model));
    this.stateIns = stateInputs(g);
    this.stepFeeds = new StepFeeds(g.inputs, this.stateIns);
    this.cacheable = allPlaced(g.nodes).every((pn) => !readsFloatInputs(g, pn) && !(pn.node.op === 'recurrent' && pn.node.runtimeWeights));
    for (const info of g.inputs) {
      const users = allPlaced(g.nodes).filter((pn) => pn.inputs.includes(info.name));
      const runOnly = (pn: PlacedNode) => pn.device && pn.inputs.every((n, i) => n !== info.name || !!pn.def?.runValues?.includes(i));
      if (info.types[0] !== 'float32' && users.length && users.every(runOnly) && !g.outputs.some((o) => o.name === info.name)) {
        this.runValueInputs.add(info.name);
      }
    }
    this.branchRecurrent = allPlaced(g.nodes).find((pn) => !pn.def && !pn.branches && !g.nodes.includes(pn))?.node as RecurrentNode | undefined;
    for (const pn of allPlaced(g.nodes)) {
      if (!pn.device || (pn.node.op === 'recurrent' && pn.node.runtimeWeights)) continue;
      const consts = pn.inputs.map((n) => g.constants.get(n));
      const state = pn.def ? pn.def.prepare?.(rt, pn.node as OpNode, consts, g.opset) : recurrentDef.prepare(rt, pn.node as RecurrentNode, options.weights === 'int8');
      if (state !== undefined) this.prepared.set(pn, state);
      const host = new Set(pn.def?.hostInputs?.(g.opset) ?? []);
      pn.inputs.forEach((name, i) => {
        const c = g.constants.get(name);
        if (!c || host.has(i) || this.constPtr.has(name) || (state !== undefined && pn.def?.prepareConsumes?.includes(i))) return;
        this.constPtr.set(name, this.upload(rt.alloc(c.data.length * 4, `constant '${name}'`), c));
      });
    }
    this.params = rt.alloc(64, 'kernel parameters');
    this.weightsTop = this.top = rt.mark();
  }

  private recurrentList: RecurrentNode[] | undefined;

  /** The recurrent nodes, in graph order (worked out once: a stream asks at every step). */
  private recurrentNodes(): RecurrentNode[] {
    return (this.recurrentList ??= allPlaced(this.graph.nodes).filter((pn) => !pn.def && !pn.branches).map((pn) => pn.node as RecurrentNode));
  }

  /** Moves the run region out of the way and allocates state slots right above the weights. */
  private allocState(needs: SlotNeed[]): void {
    this.rt.reset(this.weightsTop);
    this.capacity = 0;
    this.state.alloc(this.rt, needs);
    this.top = this.rt.mark();
    this.stateFilled = false;
  }

  /** The state step() carries: h (and c) of every recurrent node, as of the last step; {} before the first. */
  getState(): RecurrentState {
    return this.stateFilled ? this.state.read(this.rt) : {};
  }

  /** Sets the state the next step() starts from (its batch size is the state's). */
  setState(state: RecurrentState): void {
    const nodes = this.recurrentNodes();
    StateStore.checkStreamable(nodes);
    const [needs, checked] = StateStore.needsOf(state, nodes, (n, B, rank) => {
      const d = ioDims(n, 1, B, n.layout === 'torch' && rank === 2);
      return [d.h as number[], d.c as number[]];
    });
    this.allocState(needs);
    this.state.write(this.rt, checked);
    this.stateFilled = true;
    this.stateVersion++;
  }

  /** Keeps the items `rows` of the carried state, in that order (item i continues old item rows[i]). */
  selectState(rows: readonly number[]): void {
    check(Array.isArray(rows) && rows.length > 0, 'INPUT', 'selectState(rows): rows must be a non-empty array of batch items');
    check(this.stateFilled, 'INPUT', 'selectState(): there is no state yet; step() first');
    this.setState(selectRows(this.state.read(this.rt), this.recurrentNodes(), rows));
  }

  /** Forgets the state: the next step() starts from the model's initial state (zeros unless fed). */
  resetState(): void {
    this.rt.reset(this.weightsTop);
    this.top = this.weightsTop;
    this.capacity = 0;
    this.state.slots = [];
    this.stateFilled = false;
    this.stateVersion++;
  }

  /** Writes a host value into wasm memory: float32 as f32, integers as i32. */
  private upload(ptr: number, v: { dtype: DType; data: Float32Array | Float64Array }): number {
    if (v.dtype === 'float32') this.rt.f32(ptr, v.data.length).set(v.data);
    else this.rt.i32(ptr, v.data.length).set(v.data);
    return ptr;
  }

  /** Grows the run region when a run needs more than any before it; otherwise reuses it. */
  private ensure(bytes: number): number {
    if (bytes > this.capacity) {
      this.rt.reset(this.top);
      this.capacity = 0;
      this.region = this.rt.alloc(bytes, `a run of ${bytes} bytes (inputs, outputs and workspace)`);
      this.capacity = bytes;
    }
    return this.region;
  }

  /**
   * Runs the model. `step`: every recurrent node starts from the carried state (after the first step) and leaves its
   * final state there, so a sequence fed in pieces gives what it gives whole.
   */
  private start(feeds: Feeds, fetches: readonly string[] | undefined, step: boolean) {
    if (step) {
      check(!this.branchRecurrent, 'MODEL', () => `step(): recurrent node '${this.branchRecurrent!.name}' runs inside an If branch; feed its state in and out with run() (as the model's own inputs and outputs)`);
      StateStore.checkStreamable(this.recurrentNodes());
    }
    const carried = step && this.stateFilled; // the state inputs' values are not read: the carried state replaces them
    if (carried && feeds !== null && typeof feeds === 'object') {
      const slot = this.state.slots[0], batch = slot.hDims[batchAxis(slot.node, slot.hDims.length)] ?? 1;
      feeds = this.stepFeeds.continue(feeds, this.state.slots, batch);
    } else if (step && feeds !== null && typeof feeds === 'object') {
      this.stepFeeds.noteFirst(feeds);
    }

    checkFeeds(this.graph.inputs, feeds);
    const g = this.graph, rt = this.rt;
    const wanted = fetches ?? g.outputs.map((o) => o.name);
    for (const name of wanted) {
      check(g.outputs.some((o) => o.name === name), 'INPUT', () => `unknown output '${name}'; the model's outputs are ${g.outputs.map((o) => o.name).join(', ')}`);
    }

    const inputs = new Map<string, Val>();
    const checkFinite = this.options.checkFinite ?? true;
    // NaN / Infinity in a float input is an error: checked here when host ops may read the values (graphs whose plans
    // are not cached), else after the upload, in wasm (a SIMD scan; the plan read only the dims)
    const deferred = checkFinite && this.cacheable;
    for (const info of g.inputs) if (feeds[info.name]) inputs.set(info.name, valueOf(feeds[info.name], info, checkFinite && !deferred));
    const plan = this.planFor(inputs, step, wanted);

    if (step && this.state.needsAlloc(plan.needs, this.stateFilled)) this.allocState(plan.needs);
    if (step && !this.stateFilled) this.stepFeeds.firstBatch = plan.needs[0].hDims[batchAxis(plan.needs[0].node, plan.needs[0].hDims.length)] ?? 1;
    const base = this.ensure(plan.bytes);
    const at = (n: string) => base + plan.ptr.get(n)!;

    // inputs and uploads into wasm, then the device nodes in order
    for (const info of g.inputs) {
      if (plan.ptr.has(info.name) && !(carried && this.stateIns.has(info.name))) this.upload(at(info.name), inputs.get(info.name) as HostTensor);
    }
    if (deferred) {
      for (const [name, v] of inputs) {
        if (v.dtype !== 'float32' || (carried && this.stateIns.has(name))) continue;
        const data = v.data as Float32Array;
        const bad = plan.ptr.has(name) ? rt.core.find_nonfinite_f32(at(name), data.length) : data.findIndex((x) => !Number.isFinite(x));
        if (bad >= 0) throw nonFinite(name, data, bad);
      }
    }
    for (const n of plan.uploads) this.upload(at(n), plan.vals.get(n) as HostTensor);
    const d = new Device(rt, this.params);
    d.scratch = base + plan.scratchAt;
    const runTop = rt.mark(); // fed recurrent weights are packed above the region, for this run only
    const finish = () => {
      rt.reset(runTop);
      for (const pn of plan.translated.keys()) this.prepared.delete(pn);
    };
    try {
      for (const [pn, node] of plan.translated) this.prepared.set(pn, recurrentDef.prepare(rt, node, this.options.weights === 'int8'));
    } catch (e) {
      finish();
      throw e;
    }
    if (step) this.stateVersion++; // the state moves even if the run fails half-way
    return {
      work: this.runDevice(d, base, plan, step, inputs),
      done: () => {
        finish();
        if (step) this.stateFilled = true;
        return this.collect(wanted, plan, plan.calls!.at);
      },
      failed: () => {
        finish();
        if (step) this.resetState(); // a step stopped half-way leaves no state to continue from
      },
    };
  }

  /** Runs the model (see start). */
  run(feeds: Feeds, fetches?: readonly string[], step = false): Record<string, Tensor> {
    const r = this.start(feeds, fetches, step);
    try {
      for (const _ of r.work); // eslint-disable-line no-empty
    } catch (e) {
      r.failed();
      throw e;
    }
    return r.done();
  }

  /**
   * Runs the model, giving the event loop a turn every few milliseconds (between kernel calls and between the
   * time chunks of a long sequence) so `signal` can stop it: an ABORTED error, the session still usable.
   */
  async runAbortable(feeds: Feeds, fetches: readonly string[] | undefined, step: boolean, signal: AbortSignal): Promise<Record<string, Tensor>> {
    const stop = () => new LstmWasmError('ABORTED', `the run was aborted${signal.reason !== undefined ? `: ${signal.reason instanceof Error ? signal.reason.message : String(signal.reason)}` : ''}`);
    if (signal.aborted) throw stop();
    const r = this.start(feeds, fetches, step);
    try {
      let since = performance.now();
      for (const _ of r.work) {
        if (performance.now() - since < 8) continue;
        await new Promise((resolve) => setTimeout(resolve, 0));
        if (signal.aborted) throw stop();
        since = performance.now();
      }
    } catch (e) {
      r.failed();
      throw e;
    }
    return r.done();
  }

  /** The plan of a run with these inputs: worked out, or (same dims and host values as before) remembered. */
  private planFor(inputs: Map<string, Val>, step: boolean, wanted: readonly string[]): RunPlan {
    const ctx = { graph: this.graph, rt: this.rt, recurrentOf: (pn: PlacedNode, ins: (Val | undefined)[]) => this.recurrentOf(pn, ins), step };
    if (!this.cacheable) return planRun(ctx, inputs, wanted);
    const key = planKey(this.graph, inputs, step, wanted, this.runValueInputs);
    let plan = this.plans.get(key);
    if (plan) {
      this.plans.delete(key); // most recently used last
      this.plans.set(key, plan);
      return plan;
    }
    // float inputs' values are the run's, not the plan's: the plan keeps their dims only
    const dimsOnly = new Map([...inputs].map(([n, v]) => [n, v.dtype === 'float32' ? { dtype: v.dtype, dims: v.dims } : v]));
    plan = planRun(ctx, dimsOnly, wanted);
    this.plans.set(key, plan);
    if (this.plans.size > PLANS) this.plans.delete(this.plans.keys().next().value!);
    return plan;
  }

  /** The recurrent node to run: as planned, or translated from the W, R, B, P fed to this run. */
  private recurrentOf(pn: PlacedNode, ins: (Val | undefined)[]): RecurrentNode {
    const node = pn.node as RecurrentNode, rw = node.runtimeWeights;
    if (!rw) return node;
    const arr = (i: number) => (ins[i] ? { data: ins[i]!.data as Float32Array, dims: ins[i]!.dims } : undefined);
    try {
      return onnxRecurrent(rw.op, node.name, rw.attrs as never, { W: arr(5)!, R: arr(6)!, B: arr(7), P: arr(8) }, { inputs: node.inputs, outputs: node.outputs });
    } catch (e) {
      throw e instanceof LstmWasmError && e.code === 'MODEL' ? new LstmWasmError('INPUT', e.message) : e;
    }
  }

  /** The kernel calls of a run, yielding between calls and between the time chunks of long sequences. */
  private *runDevice(d: Device, base: number, plan: RunPlan, step: boolean, inputs: Map<string, Val>): Generator<void> {
    if (!plan.calls || plan.calls.base !== base) plan.calls = this.calls(base, plan);
    if (this.runValueInputs.size) { // this run's values of the inputs a plan is not keyed by
      for (const c of plan.calls.list) {
        c.pn.inputs.forEach((n, j) => this.runValueInputs.has(n) && inputs.has(n) && (c.ins[j] = { ...c.ins[j]!, data: inputs.get(n)!.data }));
      }
    }
    let r = 0; // recurrent nodes so far: the index of the next one's state slot
    for (const c of plan.calls.list) {
      d.prepared = c.prepared;
      if (c.pn.def) c.pn.def.device!(d, c.pn.node as OpNode, c.ins, c.outs, this.graph.opset);
      else if (!step) yield* recurrentChunks(d, (d.prepared as PackedRecurrent).node, c.ins, c.outs);
      else this.stepRecurrent(d, c.ins, c.outs, r++);
      yield;
    }
  }

  /** The device calls of a plan with their operands' addresses for a region at `base`, and every value's address. */
  private calls(base: number, plan: RunPlan): NonNullable<RunPlan['calls']> {
    const ptr = new Map(plan.ptr); // aliases (views, If outputs) are added as the steps go
    const dev = (n: string): DevVal | undefined => {
      const v = n === '' ? undefined : plan.vals.get(n) ?? this.graph.constants.get(n); // undefined: absent, or not fed
      if (v === undefined) return undefined;
      return { ...v, ptr: ptr.has(n) ? base + ptr.get(n)! : this.constPtr.get(n) ?? 0 };
    };
    const list: Call[] = [];
    for (const pn of plan.steps) {
      if ('alias' in pn) { // an If output is its branch's value
        ptr.set(pn.alias, ptr.get(pn.from)!);
        continue;
      }
      if (!pn.device) continue;
      if (pn.def?.alias) {
        // output 0 is input 0 seen with new dims; an uploaded constant is addressed from the region's base
        ptr.set(pn.outputs[0], ptr.has(pn.inputs[0]) ? ptr.get(pn.inputs[0])! : this.constPtr.get(pn.inputs[0])! - base);
      }
      // a recurrent output with no place is one no one reads: the kernel gets none (and writes none)
      const outs = pn.outputs.map((o) => (pn.def || ptr.has(o) ? dev(o) : undefined)) as DevVal[];
      list.push({ pn, ins: pn.inputs.map(dev), outs, prepared: this.prepared.get(pn) });
    }
    // values no device node touched keep their reserved places; aliases resolve to what they view
    return { base, list, at: (n: string) => base + ptr.get(n)! };
  }

  /** A recurrent node under step(): reads its state slot (once filled), writes its final state back, copies it to h_n / c_n. */
  private stepRecurrent(d: Device, ins: (DevVal | undefined)[], outs: DevVal[], r: number): void {
    const slot = this.state.slots[r], rt = this.rt;
    const h = { dtype: 'float32' as const, dims: slot.hDims, ptr: slot.h }, c = { dtype: 'float32' as const, dims: slot.cDims, ptr: slot.c };
    const lstm = slot.c !== 0;
    const stIns = [...ins], stOuts = [...outs];
    if (this.stateFilled) [stIns[1], stIns[2]] = [h, lstm ? c : undefined];
    [stOuts[1], stOuts[2]] = [h, lstm ? c : outs[2]];
    recurrentDef.device(d, (d.prepared as PackedRecurrent).node, stIns, stOuts);
    if (outs[1]) rt.f32(outs[1].ptr, sizeOf(slot.hDims)).set(rt.f32(slot.h, sizeOf(slot.hDims)));
    if (outs[2] && lstm) rt.f32(outs[2].ptr, sizeOf(slot.cDims)).set(rt.f32(slot.c, sizeOf(slot.cDims)));
  }

  /** The fetched outputs, as new tensors. */
  private collect(wanted: readonly string[], plan: RunPlan, at: (n: string) => number): Record<string, Tensor> {
    const result: Record<string, Tensor> = {};
    for (const name of wanted) {
      const v = plan.vals.get(name) ?? this.graph.constants.get(name)!;
      result[name] = this.graph.device.has(name)
        ? new Tensor('float32', this.rt.f32(at(name), sizeOf(v.dims)).slice(), v.dims)
        : tensorOf(v as HostTensor);
    }
    return result;
  }
}
