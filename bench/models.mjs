// bench/models.mjs: the benchmark's models — one ONNX graph each, plus the same weights laid out for TF.js.

/** Seeded normal-ish numbers (sum of uniforms) so every system sees the same weights and inputs. */
export function randn(n, seed, scale = 1) {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let acc = 0;
    for (let k = 0; k < 4; k++) {
      s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
      acc += s / 2 ** 32;
    }
    out[i] = (acc - 2) * Math.sqrt(3) * scale;
  }
  return out;
}

export const CONFIGS = {
  C1: { B: 1, T: 128, I: 64, H: 128 },
  C2: { B: 1, T: 128, I: 128, H: 256 },
  C3: { B: 1, T: 64, I: 256, H: 512 },
  C4: { B: 32, T: 64, I: 128, H: 256 },
};

const GATES = { LSTM: 4, GRU: 3 };

/**
 * One recurrent layer per entry of `layers` ({ D: 1 | 2 }); between layers Y [T, D, B, H] is transposed and
 * reshaped to [T, B, D*H] (what exporters emit). Returns the ONNX description, the weights per layer and
 * direction in ONNX order, and the input.
 */
export function recurrentModel(op, { B, T, I, H }, layers = [{ D: 1 }], seed = 1) {
  const G = GATES[op];
  const nodes = [], initializers = [], weights = [];
  let x = 'X', width = I;
  layers.forEach(({ D }, l) => {
    const scale = 1 / Math.sqrt(H);
    const W = randn(D * G * H * width, seed + 10 * l + 1, scale), R = randn(D * G * H * H, seed + 10 * l + 2, scale);
    const Bv = randn(D * 2 * G * H, seed + 10 * l + 3, scale);
    weights.push({ W, R, B: Bv, D, inputWidth: width });
    initializers.push({ name: `W${l}`, dims: [D, G * H, width], data: W }, { name: `R${l}`, dims: [D, G * H, H], data: R },
      { name: `B${l}`, dims: [D, 2 * G * H], data: Bv });
    const last = l === layers.length - 1;
    const y = last ? 'Y' : `Y${l}`;
    nodes.push({ op, inputs: [x, `W${l}`, `R${l}`, `B${l}`], outputs: [y], attrs: { hidden_size: H, ...(D === 2 ? { direction: 'bidirectional' } : {}) } });
    if (!last) {
      nodes.push({ op: 'Transpose', inputs: [y], outputs: [`${y}t`], attrs: { perm: [0, 2, 1, 3] } });
      initializers.push({ name: `shape${l}`, dims: [3], data: [0, 0, -1] });
      nodes.push({ op: 'Reshape', inputs: [`${y}t`, `shape${l}`], outputs: [`X${l + 1}`] });
      x = `X${l + 1}`;
      width = D * H;
    }
  });
  const Dlast = layers[layers.length - 1].D;
  return {
    onnx: { nodes, initializers, inputs: [{ name: 'X', dims: [T, B, I] }], outputs: [{ name: 'Y', dims: [T, Dlast, B, H] }] },
    weights, x: randn(T * B * I, seed + 1000), dims: [T, B, I], yDims: [T, Dlast, B, H],
    flops: layers.reduce((acc, { D }, l) => acc + 2 * G * H * ((l ? layers[l - 1].D * H : I) + H) * T * B * D, 0),
  };
}
