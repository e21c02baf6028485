// model/step_feeds.ts: the feeds of step() after the first — the state inputs are not fed (the carried state replaces
// them), so the required ones get zero stand-ins sized from the other inputs, remembered for the same dims.
import { Tensor, sizeOf } from '../tensor.js';
import type { Feeds } from './feeds.js';
import { checkNoStateFeeds, continueFeeds } from './state.js';
import type { ValueInfo } from './types.js';

export class StepFeeds {
  /** zero tensors standing in for state inputs, by dims (never written: they are only read) */
  private readonly zeros = new Map<string, Tensor>();
  /** dims of the state inputs fed to the first step, and its batch size: the stand-ins' sizes when no feed tells them */
  private readonly firstStateDims = new Map<string, number[]>();
  firstBatch = 0;
  /** the stand-ins of the last step, by the other inputs' dims and the state slots they were made for */
  private memo: { slots: unknown; key: string; add: [string, Tensor][] } | undefined;

  constructor(private readonly inputs: readonly ValueInfo[], private readonly stateIns: Set<string>) {}

  /** The first step: remembers the dims of the state inputs it was fed. */
  noteFirst(feeds: Feeds): void {
    for (const name of this.stateIns) if (feeds[name]?.dims) this.firstStateDims.set(name, [...feeds[name].dims]);
  }

  /** A later step's feeds with zero stand-ins for the required state inputs; `slots` identifies the carried state. */
  continue(feeds: Feeds, slots: unknown, batch: number): Feeds {
    let key = `${batch}|`;
    for (const info of this.inputs) {
      if (this.stateIns.has(info.name)) continue;
      const d = (feeds[info.name] as { dims?: unknown } | null | undefined)?.dims;
      key += Array.isArray(d) ? `${d.join(',')};` : d === undefined ? '-;' : '?;'; // '?': not a tensor, left to the checks
    }
    const memo = this.memo;
    if (memo && memo.slots === slots && memo.key === key && !key.includes('?')) {
      checkNoStateFeeds(feeds, this.stateIns);
      const out = { ...feeds };
      for (const [name, t] of memo.add) out[name] = t;
      return out;
    }
    const out = continueFeeds(feeds, this.inputs, this.stateIns, (dims): Tensor => {
      const k = dims.join(',');
      let z = this.zeros.get(k);
      if (!z) this.zeros.set(k, (z = new Tensor('float32', new Float32Array(sizeOf(dims)), dims)));
      return z;
    }, (name, axis) => {
      const d = this.firstStateDims.get(name)?.[axis];
      return d === this.firstBatch ? batch : d; // a dim no other input names (tf2onnx's unk__N): as on the first step
    });
    this.memo = { slots, key, add: [...this.stateIns].filter((n) => !(n in feeds) && n in out).map((n) => [n, out[n]]) };
    return out;
  }
}
