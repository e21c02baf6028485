// model/ops/control.ts: If — its branches are subgraphs the executor runs in place of the node (graph.ts, exec.ts).
import { LstmWasmError } from '../../errors.js';
import { register, where } from './registry.js';

register(['If'], {
  attrs: { then_branch: 'graph', else_branch: 'graph' }, inputs: [1, 1], outputs: [1, Infinity],
  // never computed as an op: graph.ts places both branches, the executor runs the one the condition picks
  infer: (node) => {
    throw new LstmWasmError('MODEL', `${where(node)}: runs through its branches`);
  },
  host: (node) => {
    throw new LstmWasmError('MODEL', `${where(node)}: runs through its branches`);
  },
});
