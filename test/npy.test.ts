// test/npy.test.ts: the .npy reader and writer against files NumPy wrote.
import { readNpy, writeNpy } from 'lstm-wasm';
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { expectError, fixturePath, readFixture } from './helpers';

describe('npy', () => {
  it('reads float32 and int64 arrays NumPy saved', () => {
    const x = readNpy(readFixture('torch/lstm_lengths/x.npy'));
    expect([x.type, ...x.dims]).toEqual(['float32', 9, 5, 13]);
    const lens = readNpy(readFixture('torch/lstm_lengths/lengths.npy'));
    expect(lens.type).toBe('int64');
    expect(lens.dims).toEqual([5]);
  });

  it('writes every float32 fixture back byte for byte as NumPy wrote it', () => {
    let n = 0;
    for (const dir of readdirSync(fixturePath('torch')).filter((d) => !d.endsWith('.json'))) {
      for (const f of readdirSync(fixturePath(`torch/${dir}`)).filter((f) => f.endsWith('.npy'))) {
        const bytes = readFixture(`torch/${dir}/${f}`);
        const t = readNpy(bytes);
        if (t.type !== 'float32') continue;
        expect(Buffer.from(writeNpy(t as never)).equals(Buffer.from(bytes)), `${dir}/${f}`).toBe(true);
        n++;
      }
    }
    expect(n).toBeGreaterThan(100);
  });

  it('handles 0-d and 1-d shapes', () => {
    for (const dims of [[], [3], [2, 0, 4]]) {
      const data = new Float32Array(dims.reduce((a, b) => a * b, 1)).map((_, i) => i);
      const t = readNpy(writeNpy({ data, dims }));
      expect(t.dims).toEqual(dims);
      expect(Array.from(t.data as Float32Array)).toEqual(Array.from(data));
    }
  });

  it('names what is wrong with a bad file', async () => {
    const good = writeNpy({ data: new Float32Array(6), dims: [2, 3] });
    const edit = (from: string, to: string) => {
      const s = new TextDecoder('latin1').decode(good).replace(from, to);
      return Uint8Array.from(s, (ch) => ch.charCodeAt(0));
    };
    await expectError(() => readNpy(new Uint8Array(20), 'a.npy'), 'FORMAT', /a\.npy: not a NumPy \.npy file/);
    await expectError(() => readNpy(good.subarray(0, good.length - 4), 'a.npy'), 'FORMAT', /<f4 \[2, 3\] needs 24 data bytes, the file has 20/);
    await expectError(() => readNpy(edit("'<f4'", "'>f4'"), 'a.npy'), 'UNSUPPORTED', /dtype '>f4' is not one of <f4, <f8, <i4, <i8/);
    await expectError(() => readNpy(edit('False', 'True '), 'a.npy'), 'UNSUPPORTED', /Fortran-order arrays are not supported/);
    await expectError(() => readNpy(edit('(2, 3)', '(2, x)'), 'a.npy'), 'FORMAT', /shape \(2, x\) must be non-negative integers/);
  });
});
