// audio/wav.ts: read a WAV file's PCM as float samples in [-1, 1], channels mixed down to mono.
import { LstmWasmError, check } from '../errors.js';

export interface Wav {
  sampleRate: number;
  channels: number;
  /** bits per sample as stored (8, 16, 24, 32; 32 or 64 for float) */
  bits: number;
  float: boolean;
  /** mono: the mean of the channels, ints scaled to [-1, 1) (int16 / 32768, as torchaudio and soundfile read them) */
  samples: Float32Array;
}

const PCM = 1, FLOAT = 3, EXTENSIBLE = 0xfffe;

/** Parses a RIFF/WAVE file (PCM 8/16/24/32-bit, IEEE float 32/64-bit, WAVE_FORMAT_EXTENSIBLE of those). */
export function readWav(bytes: Uint8Array, file = 'WAV file'): Wav {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  check(bytes.length >= 12 && tag(0) === 'RIFF' && tag(8) === 'WAVE', 'FORMAT', `${file}: not a WAV file (no RIFF/WAVE header)`);
  let fmt: { format: number; channels: number; rate: number; bits: number; align: number } | undefined;
  for (let at = 12; at + 8 <= bytes.length;) {
    const id = tag(at), size = v.getUint32(at + 4, true), body = at + 8;
    check(body + size <= bytes.length || id === 'data', 'FORMAT', `${file}: chunk '${id}' of ${size} bytes runs past the end of the file`);
    if (id === 'fmt ') {
      check(size >= 16, 'FORMAT', `${file}: the fmt chunk is ${size} bytes; at least 16 expected`);
      let format = v.getUint16(body, true);
      if (format === EXTENSIBLE && size >= 26) format = v.getUint16(body + 24, true); // the subformat GUID's first two bytes
      fmt = { format, channels: v.getUint16(body + 2, true), rate: v.getUint32(body + 4, true), align: v.getUint16(body + 12, true), bits: v.getUint16(body + 14, true) };
    } else if (id === 'data') {
      check(fmt, 'FORMAT', `${file}: the data chunk comes before any fmt chunk`);
      return decode(bytes.subarray(body, Math.min(body + size, bytes.length)), fmt, file);
    }
    at = body + size + (size & 1);
  }
  throw new LstmWasmError('FORMAT', `${file}: no ${fmt ? 'data' : 'fmt'} chunk`);
}

function decode(data: Uint8Array, f: { format: number; channels: number; rate: number; bits: number; align: number }, file: string): Wav {
  const { format, channels, rate, bits } = f;
  const float = format === FLOAT;
  check(format === PCM || float, 'UNSUPPORTED', `${file}: sample format ${format} is not supported (PCM 1 and IEEE float 3)`);
  check(float ? bits === 32 || bits === 64 : [8, 16, 24, 32].includes(bits), 'UNSUPPORTED',
    `${file}: ${bits}-bit ${float ? 'float' : 'PCM'} is not supported (PCM 8, 16, 24, 32; float 32, 64)`);
  check(channels >= 1 && rate >= 1, 'FORMAT', `${file}: ${channels} channels at ${rate} Hz`);
  const size = bits / 8, frame = size * channels;
  check(f.align === frame, 'FORMAT', `${file}: block align ${f.align}; ${frame} expected for ${channels} x ${bits}-bit`);
  const n = Math.floor(data.length / frame), v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const read = (at: number): number => {
    if (float) return bits === 32 ? v.getFloat32(at, true) : v.getFloat64(at, true);
    switch (bits) {
      case 8: return (data[at] - 128) / 128;
      case 16: return v.getInt16(at, true) / 32768;
      case 24: return ((data[at] | (data[at + 1] << 8) | (data[at + 2] << 16)) << 8 >> 8) / 8388608;
      default: return v.getInt32(at, true) / 2147483648;
    }
  };
  const samples = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < channels; c++) s += read(i * frame + c * size);
    samples[i] = s / channels;
  }
  if (float) {
    const bad = samples.findIndex((x) => !Number.isFinite(x));
    check(bad < 0, 'INPUT', `${file}: sample ${bad} is ${samples[bad]}`);
  }
  return { sampleRate: rate, channels, bits, float, samples };
}
