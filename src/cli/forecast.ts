// cli/forecast.ts: `lstm-wasm forecast MODEL --series … --horizon N` — continue a series, print it and a sparkline.
import { check } from '../errors.js';
import { readNpy } from '../formats/npy.js';
import { readBytes } from '../io.js';
import { forecast as forecastSeries } from '../tasks/forecast.js';
import { type Io, MODEL_FLAGS, TASK_FLAGS, num, openModel, parse } from './common.js';

export const FORECAST_USAGE = 'lstm-wasm forecast MODEL (--series 0.1,0.5,… | --series-file FILE.npy) --horizon N';

const BARS = '▁▂▃▄▅▆▇█';

const minOf = (a: readonly number[]) => a.reduce((m, v) => Math.min(m, v), Infinity);
const maxOf = (a: readonly number[]) => a.reduce((m, v) => Math.max(m, v), -Infinity);

/** One character per value, the lowest ▁ to the highest █ over all of `values`. */
export function sparkline(values: readonly number[], lo = minOf(values), hi = maxOf(values)): string {
  return values.map((v) => BARS[hi > lo ? Math.min(7, Math.max(0, Math.round(((v - lo) / (hi - lo)) * 7))) : 3]).join('');
}

export async function forecast(args: string[], io: Io): Promise<void> {
  const { values, positionals } = parse(args, {
    ...MODEL_FLAGS, input: TASK_FLAGS.input, output: TASK_FLAGS.output, series: { type: 'string' }, 'series-file': { type: 'string' }, horizon: { type: 'string' },
  });
  check(positionals.length <= 1, 'OPTION', `unexpected argument '${positionals[1]}'; usage: ${FORECAST_USAGE}`);
  check((values.series === undefined) !== (values['series-file'] === undefined), 'OPTION', `give --series or --series-file (one of them); usage: ${FORECAST_USAGE}`);
  const horizon = num(values, 'horizon');
  check(horizon !== undefined, 'OPTION', `missing --horizon N; usage: ${FORECAST_USAGE}`);
  let series: number[];
  if (values.series !== undefined) {
    const fields = values.series.split(',');
    check(fields.every((f) => f.trim() !== '' && Number.isFinite(Number(f))), 'OPTION', `--series must be comma-separated numbers, got '${values.series}'`);
    series = fields.map(Number);
  } else {
    const t = readNpy(await readBytes(values['series-file']!), values['series-file']);
    series = Array.from(t.data as ArrayLike<number | bigint>, Number);
  }
  const session = await openModel(positionals[0], values, FORECAST_USAGE);
  const f = (await forecastSeries(session, series, horizon, { input: values.input, output: values.output })) as number[];
  const lo = Math.min(minOf(series), minOf(f)), hi = Math.max(maxOf(series), maxOf(f));
  io.out(`series   ${sparkline(series, lo, hi)}`);
  io.out(`forecast ${' '.repeat(series.length)}${sparkline(f, lo, hi)}`);
  io.out(`values   ${f.map((v) => v.toFixed(4)).join(', ')}`);
}
