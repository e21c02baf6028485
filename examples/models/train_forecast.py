"""Train the bundled `forecast` model: a 2-layer LSTM predicting the next value of noisy sums of sines (PyTorch, CPU)."""
# Run from anywhere with Debian's python (torch 1.13):  /usr/bin/python3 examples/models/train_forecast.py
# Writes examples/models/forecast/{model.safetensors, model.onnx, train.log} and test/fixtures/models/forecast/
# (PyTorch's own outputs for the JS tests). Seeded (reruns give the same weights on one machine); ~2 minutes on 2 cores.
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # OpenBLAS threads beside torch's OpenMP threads thrash 2 cores
import sys
import time
import warnings

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import start_run, FIXTURES, HERE, Log, file_sizes, save_json, save_npy, save_safetensors

OUT = os.path.join(HERE, "forecast")
FIX = os.path.join(FIXTURES, "forecast")
HIDDEN, LAYERS = 64, 2
SEQ, BATCH, STEPS, LR = 160, 64, 1000, 3e-3
CONTEXT, HORIZON, WARMUP = 96, 32, 16
NOISE = 0.05


def series(n, T, rs):
    """n series of T steps: a sum of 1-3 sines (period 8-64 steps, amplitude 0.2-1, phase 0-2pi) plus a linear
    trend (slope within +-0.005 per step) plus Gaussian noise (sigma 0.05). Returns (noisy, clean), each [n, T, 1]."""
    t = np.arange(T, dtype=np.float64)
    clean = np.zeros((n, T))
    for i in range(n):
        for _ in range(rs.randint(1, 4)):
            period, amp, phase = rs.uniform(8, 64), rs.uniform(0.2, 1.0), rs.uniform(0, 2 * np.pi)
            clean[i] += amp * np.sin(2 * np.pi * t / period + phase)
        clean[i] += rs.uniform(-0.005, 0.005) * t
    noisy = clean + rs.normal(0, NOISE, (n, T))
    return noisy.astype(np.float32)[:, :, None], clean.astype(np.float32)[:, :, None]


class Forecast(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(1, HIDDEN, num_layers=LAYERS, batch_first=True)
        self.head = nn.Linear(HIDDEN, 1)

    def forward(self, x, state=None):
        """x [B, T, 1] -> y [B, T, 1] (y[:, t] predicts x[:, t+1]), (h, c)."""
        y, (h, c) = self.lstm(x, state)
        return self.head(y), (h, c)


def autoregress(model, x, horizon):
    """PyTorch's own forecasting loop: feed x, take the last prediction, then feed each prediction back one step
    at a time with the carried (h, c). Returns y (the next-step predictions over x), the state after x, and the
    forecast [B, horizon] (forecast[:, 0] is y[:, -1])."""
    with torch.no_grad():
        y, state = model(x)
        after = state
        p, out = y[:, -1:, :], []
        for k in range(horizon):
            out.append(p[:, 0, 0])
            if k + 1 < horizon:
                p, state = model(p, state)
        return y, after, torch.stack(out, dim=1)


def main():
    t_start, rs, log = start_run(OUT, FIX)

    model = Forecast()
    n_params = sum(p.numel() for p in model.parameters())
    log("data: sums of 1-3 sines (period U(8, 64) steps, amplitude U(0.2, 1), phase U(0, 2pi)) + trend U(-0.005, 0.005)"
        "/step + N(0, %.2f^2) noise; fresh seeded series every step" % NOISE)
    log("model: LSTM(1, %d, num_layers=%d, batch_first=True) -> Linear(%d, 1) at every step; %d params"
        % (HIDDEN, LAYERS, HIDDEN, n_params))
    log("training: %d steps of %d series of %d+1 steps, next-step MSE, Adam lr %g cosine, grad clip 1.0"
        % (STEPS, BATCH, SEQ, LR))
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, STEPS, eta_min=LR / 30)
    t0, run = time.time(), 0.0
    for step in range(1, STEPS + 1):
        x = torch.from_numpy(series(BATCH, SEQ + 1, rs)[0])
        y, _ = model(x[:, :-1])
        loss = nn.functional.mse_loss(y, x[:, 1:])
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        run = loss.item() if step == 1 else 0.95 * run + 0.05 * loss.item()
        if step % 100 == 0 or step == STEPS:
            log("step %4d  train mse %.5f (smoothed)  lr %.5f  %.0fs" % (step, run, sched.get_last_lr()[0], time.time() - t0))
    train_time = time.time() - t0
    model.eval()

    noisy, clean = series(512, CONTEXT + HORIZON, np.random.RandomState(1))
    x = torch.from_numpy(noisy[:, :CONTEXT])
    y, _, fc = autoregress(model, x, HORIZON)
    step_mse = float(((y.numpy()[:, WARMUP:-1] - noisy[:, WARMUP + 1:CONTEXT]) ** 2).mean())
    step_mse_all = float(((y.numpy()[:, :-1] - noisy[:, 1:CONTEXT]) ** 2).mean())
    naive = float(((noisy[:, WARMUP:CONTEXT - 1] - noisy[:, WARMUP + 1:CONTEXT]) ** 2).mean())
    fc_mse = float(((fc.numpy() - noisy[:, CONTEXT:, 0]) ** 2).mean())
    fc_clean = float(((fc.numpy() - clean[:, CONTEXT:, 0]) ** 2).mean())
    fc_naive = float(((noisy[:, CONTEXT - 1] - noisy[:, CONTEXT:, 0]) ** 2).mean())
    log("held-out (512 new series, seed 1): signal variance %.4f, noise floor %.4f" % (float(noisy.var()), NOISE ** 2))
    log("  next-step mse %.5f after %d warm-up steps (%.5f over all %d steps); repeat-last-value baseline %.5f"
        % (step_mse, WARMUP, step_mse_all, CONTEXT - 1, naive))
    log("  %d-step autoregressive forecast after %d steps: mse %.5f vs the noisy series, %.5f vs the noise-free signal; "
        "repeat-last-value baseline %.5f" % (HORIZON, CONTEXT, fc_mse, fc_clean, fc_naive))
    per = ((fc.numpy() - noisy[:, CONTEXT:, 0]) ** 2).mean(0)
    log("  forecast mse by horizon step 1/8/16/24/32: %s" % " ".join("%.4f" % per[k] for k in (0, 7, 15, 23, 31)))
    log("training took %.0f s" % train_time)

    meta = {"batch_first": "true", "head": "every_step", "output": "linear", "input": "values",
            "torch_version": torch.__version__,
            "description": "next-value forecaster for noisy sums of sines: LSTM(1, %d, num_layers=%d) -> Linear(%d, 1) "
                           "at every step; y[:, t] predicts x[:, t+1]; feed predictions back to forecast a horizon"
                           % (HIDDEN, LAYERS, HIDDEN)}
    save_safetensors(os.path.join(OUT, "model.safetensors"), model.state_dict(), meta)
    warnings.filterwarnings("ignore", category=UserWarning)  # benign torch.onnx notes about LSTM batch sizes
    B, T = 2, 5
    torch.onnx.export(model, (torch.zeros(B, T, 1), (torch.zeros(LAYERS, B, HIDDEN), torch.zeros(LAYERS, B, HIDDEN))),
                      os.path.join(OUT, "model.onnx"), opset_version=14, do_constant_folding=True,
                      input_names=["x", "h0", "c0"], output_names=["y", "h", "c"],
                      dynamic_axes={"x": {0: "B", 1: "T"}, "h0": {1: "B"}, "c0": {1: "B"},
                                    "y": {0: "B", 1: "T"}, "h": {1: "B"}, "c": {1: "B"}})

    s = series(1, CONTEXT, np.random.RandomState(2))[0]
    y, (h, c), fc = autoregress(model, torch.from_numpy(s), HORIZON)
    save_npy(os.path.join(FIX, "series.npy"), s, "<f4")
    save_npy(os.path.join(FIX, "y.npy"), y.numpy(), "<f4")
    save_npy(os.path.join(FIX, "h.npy"), h.numpy(), "<f4")
    save_npy(os.path.join(FIX, "c.npy"), c.numpy(), "<f4")
    save_npy(os.path.join(FIX, "forecast.npy"), fc[0].numpy(), "<f4")
    log("fixture series (seed 2): forecast %s ..." % " ".join("%.4f" % v for v in fc[0, :6]))
    save_json(os.path.join(FIX, "case.json"), {
        "model": "examples/models/forecast/model.safetensors (and model.onnx)", "torch_version": torch.__version__,
        "produced_by": "examples/models/train_forecast.py: PyTorch, float32, eval mode, CPU",
        "procedure": "y, (h, c) = model(series) from a zero state; p = y[:, -1]; then %d times: forecast[k] = p, and "
                     "(unless k is the last) p, (h, c) = model(p as [1, 1, 1], (h, c))" % HORIZON,
        "files": {"series.npy": "float32 [1, %d, 1]: the input series (generator seed 2)" % CONTEXT,
                  "y.npy": "float32 [1, %d, 1]: next-step predictions at every input step" % CONTEXT,
                  "h.npy": "float32 [%d, 1, %d]: h after the series" % (LAYERS, HIDDEN),
                  "c.npy": "float32 [%d, 1, %d]: c after the series" % (LAYERS, HIDDEN),
                  "forecast.npy": "float32 [%d]: the autoregressive forecast; forecast[0] == y[0, -1, 0]" % HORIZON}})
    log("files: %s" % file_sizes(OUT))
    log("wall time %.0f s (training %.0f s)" % (time.time() - t_start, train_time))
    log.write(os.path.join(OUT, "train.log"))


if __name__ == "__main__":
    main()
