// tasks/forecast.ts: forecasting — read a series, then predict its next values, each fed back as the next input.
import { check, fmtDims } from '../errors.js';
import type { InferenceSession } from '../session.js';
import { type TaskIO, lastRow, requiredZeros, sequenceInput, sequenceTensor, taskOutput } from './io.js';

/**
 * Forecasts `horizon` steps after `series` with a model that predicts the next value of its input: numbers for a
 * univariate model, arrays of the input's width otherwise. The model reads the series once (step()), then each
 * prediction goes back in as the next step; the recurrent state carries in wasm. Resets the session's step() state.
 */
export async function forecast(session: InferenceSession, series: readonly number[] | readonly (readonly number[])[], horizon: number,
  options: TaskIO = {}): Promise<number[] | number[][]> {
  const seq = sequenceInput(session, options, 'forecast');
  check(!seq.ids, 'MODEL', `forecast: input '${seq.info.name}' takes token ids; a forecaster takes values (time, batch, features)`);
  check(Number.isInteger(horizon) && horizon >= 0, 'OPTION', `forecast: horizon must be an integer >= 0, got ${horizon}`);
  check(series.length > 0, 'INPUT', 'forecast: the series is empty');
  const F = seq.features;
  const out = taskOutput(session, options, 'forecast', (o) => (o.dims.length === 3 || o.dims.length === 2) && o.dims[o.dims.length - 1] === F,
    `a prediction of the next step (${F} value${F > 1 ? 's' : ''} per step, like the input)`);
  session.resetState();
  let res = await session.step({ [seq.info.name]: sequenceTensor(seq, series, 'forecast'), ...requiredZeros(session, seq, 1) }, [out.name]);
  let version = session.stateVersion;
  const result: number[][] = [];
  for (let k = 0; k < horizon; k++) {
    const p = Array.from(lastRow(res[out.name], 0, seq.batchFirst));
    check(p.every(Number.isFinite), 'NUMERIC', `forecast: step ${k} of output '${out.name}' ${fmtDims(out.dims)} is ${p}`);
    result.push(p);
    if (k + 1 < horizon) {
      check(session.stateVersion === version, 'INPUT', 'forecast: the session\'s step() state was changed by another call in the middle of this forecast; give each concurrent stream its own session');
      res = await session.step({ [seq.info.name]: sequenceTensor(seq, [p], 'forecast') }, [out.name]);
      version = session.stateVersion;
    }
  }
  return F === 1 && typeof series[0] === 'number' ? result.map((r) => r[0]) : result;
}
