// cli/info.ts: `lstm-wasm info MODEL` — print layers, shapes and parameter count.
import { check, fmtDims } from '../errors.js';
import { GATE_NAMES, directionsOf, layerInputSize, paramCount, stateSizeOf } from '../model/recurrent.js';
import type { Model } from '../model/types.js';
import { type Io, MODEL_FLAGS, openModel, parse } from './common.js';

export const INFO_USAGE = 'lstm-wasm info MODEL [--format safetensors|onnx|tfjs] [--weights int8] [--batch-first] [--nonlinearity tanh|relu]';

export function describe(model: Model): string[] {
  const lines = [`source   ${model.source}${model.opset ? ` (opset ${model.opset})` : ''}`];
  let params = Object.values(model.constants ?? {}).reduce((a, t) => a + (t.dtype === 'float32' ? t.data.length : 0), 0);
  const ops = new Map<string, number>();
  for (const n of model.nodes) {
    if (n.op === 'op') {
      ops.set(n.type, (ops.get(n.type) ?? 0) + 1);
      continue;
    }
    const D = directionsOf(n), P = stateSizeOf(n);
    const lists = [...new Set(n.activations.map((list) => list.map((a) => a.name).join(', ')))];
    const acts = lists.join(' | '); // one list, or forward | reverse when they differ
    const extras = [n.batchFirst && 'batch_first', n.clip && `clip ${n.clip}`, n.inputForget && 'input_forget',
      n.cell === 'gru' && !n.linearBeforeReset && 'reset before the product', n.weights[0].peep && 'peepholes'].filter(Boolean);
    lines.push(`node     ${n.name}: ${n.cell.toUpperCase()} (gates ${GATE_NAMES[n.cell]}; activations ${acts})${extras.length ? `, ${extras.join(', ')}` : ''}`);
    for (let l = 0; l < n.numLayers; l++) {
      const proj = n.projSize ? `, projection ${n.hiddenSize} -> ${P}` : '';
      lines.push(`  layer ${l}  ${n.direction}  input ${layerInputSize(n, l)} -> hidden ${n.hiddenSize}${proj}  output ${D * P}`);
    }
    params += paramCount(n);
  }
  if (ops.size) lines.push(`ops      ${[...ops].sort().map(([t, c]) => (c > 1 ? `${t} x${c}` : t)).join(', ')}`);
  const io = (kind: string, list: Model['inputs']) =>
    list.map((v) => `${kind} ${v.name.padEnd(8)} ${v.types.join('|').padEnd(13)} ${fmtDims(v.dims).padEnd(14)} ${v.doc}`);
  lines.push(...io('input   ', model.inputs), ...io('output  ', model.outputs));
  lines.push(`params   ${params.toLocaleString('en-US')} (${(params * 4 / 1024).toFixed(1)} KiB as float32)`);
  for (const [k, v] of Object.entries(model.metadata)) lines.push(`meta     ${k} = ${v}`);
  return lines;
}

export async function info(args: string[], io: Io): Promise<void> {
  const { values, positionals } = parse(args, MODEL_FLAGS);
  check(positionals.length <= 1, 'OPTION', `unexpected argument '${positionals[1]}'; usage: ${INFO_USAGE}`);
  const session = await openModel(positionals[0], values, INFO_USAGE);
  for (const line of describe(session.model)) io.out(line);
  await session.release();
}
