"""Train the bundled quick-start model: an nn.LSTM forecasting the next sample of a sine wave (PyTorch, CPU)."""
# Run from the repo root with Debian's python (torch 1.13):  /usr/bin/python3 examples/sine/train_sine.py
# Writes examples/sine/{model.safetensors, x.npy, y_torch.npy}. Seeded: reruns give the same files on one machine.
# The model is a bare nn.LSTM(1, 48, proj_size=1): the projection makes each step's output the forecast itself.
import json
import os
import struct

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))


def waves(n, T, rs):
    """n sine waves of T+1 samples with random frequency, phase and amplitude."""
    t = np.arange(T + 1)[:, None]
    w = rs.uniform(0.05, 0.25, n)[None, :]
    phi = rs.uniform(0, 2 * np.pi, n)[None, :]
    amp = rs.uniform(0.5, 1.0, n)[None, :]
    return (amp * np.sin(w * t + phi)).astype(np.float32)[:, :, None]  # (T+1, n, 1)


def save_safetensors(path, tensors, metadata):
    header, blobs, at = {"__metadata__": metadata}, [], 0
    for name, t in tensors.items():
        b = t.detach().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [at, at + len(b)]}
        blobs.append(b)
        at += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - (8 + len(h)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    rs = np.random.RandomState(0)
    lstm = nn.LSTM(1, 48, proj_size=1)
    opt = torch.optim.Adam(lstm.parameters(), lr=1e-2)
    for step in range(600):
        seq = torch.from_numpy(waves(32, 80, rs))
        y, _ = lstm(seq[:-1])
        loss = nn.functional.mse_loss(y, seq[1:])
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 100 == 0 or step == 599:
            print("step %3d  mse %.5f" % (step, loss.item()))
    lstm.eval()
    test = waves(3, 200, np.random.RandomState(1))
    x = test[:-1]
    with torch.no_grad():
        y, _ = lstm(torch.from_numpy(x))
    mse = float(((y.numpy() - test[1:]) ** 2)[20:].mean())
    print("held-out next-step mse after 20 warm-up steps: %.6f (signal variance %.3f)" % (mse, float(test.var())))
    save_safetensors(os.path.join(HERE, "model.safetensors"), lstm.state_dict(),
                     {"description": "nn.LSTM(1, 48, proj_size=1) forecasting the next sample of a sine wave",
                      "torch_version": torch.__version__})
    np.save(os.path.join(HERE, "x.npy"), np.ascontiguousarray(x, dtype="<f4"))
    np.save(os.path.join(HERE, "y_torch.npy"), np.ascontiguousarray(y.numpy(), dtype="<f4"))


if __name__ == "__main__":
    main()
