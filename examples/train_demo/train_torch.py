"""The PyTorch twin of `npm run train:demo`: the same character LSTM, data, hyperparameters and evaluation.

Run from the repo root with Debian's python (torch 1.13):  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 examples/train_demo/train_torch.py
With `--seed N` it trains from another seed and writes torch_seedN.log and the held-out loss into torch_seeds.json (the
spread between seeds, which the lstm-wasm run is judged against: one run from one seed lands anywhere in it).
With `--dump DIR N` it instead trains N steps and writes to DIR what a step-for-step comparison needs: the initial
weights (DIR/<state-dict key>.f32, raw little-endian float32), each step's window starts (starts.i32, N x batch_size),
and dump.json (names and shapes, per-step loss, gradient norm and lr); compare_torch.mjs replays it in lstm-wasm.
Reads config.json and genesis_exodus.txt; writes torch.log and torch_result.json (the held-out loss the lstm-wasm run
must come within 5 % of). One thread, seeded. The procedure, step for step as lstm-wasm's train-lm does it:
- vocabulary: id 0 = unknown, then the max_chars most frequent characters (ties by code point) in code-point order;
- the last `valid` fraction of the characters is held out;
- each step: batch_size windows of seq_len+1 characters at uniform random starts, from a zero state; cross-entropy of
  the next character at every step; clip_grad_norm_(clip_norm); Adam(lr) with a cosine schedule down to lr*min_lr_ratio;
- held-out loss: windows of seq_len+1 starting every seq_len characters, from a zero state, mean over all characters.
"""
import json
import math
import os
import sys
import time

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))


class CharLM(nn.Module):
    def __init__(self, V, c):
        super().__init__()
        self.embed = nn.Embedding(V, c["embed"])
        self.lstm = nn.LSTM(c["embed"], c["hidden"], num_layers=c["layers"], batch_first=True)
        self.head = nn.Linear(c["hidden"], V)

    def forward(self, x):
        return self.head(self.lstm(self.embed(x))[0])


def vocab(text, max_chars):
    counts = {}
    for ch in text:
        counts[ch] = counts.get(ch, 0) + 1
    keep = sorted(counts, key=lambda ch: (-counts[ch], ord(ch)))[:max_chars]
    return ["\ufffd"] + sorted(keep, key=ord)


def held_out_loss(model, ids, seq):
    starts = list(range(0, len(ids) - seq, seq))
    starts = [s for s in starts if s + seq + 1 <= len(ids)]
    total, n = 0.0, 0
    with torch.no_grad():
        for at in range(0, len(starts), 32):
            rows = torch.stack([ids[s:s + seq + 1] for s in starts[at:at + 32]])
            logits = model(rows[:, :-1])
            total += nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), rows[:, 1:].reshape(-1), reduction="sum").item()
            n += rows[:, 1:].numel()
    return total / n


def main():
    dump, dump_steps = None, 0
    seed = None
    if len(sys.argv) == 4 and sys.argv[1] == "--dump":
        dump, dump_steps = sys.argv[2], int(sys.argv[3])
        os.makedirs(dump, exist_ok=True)
    elif len(sys.argv) == 3 and sys.argv[1] == "--seed":
        seed = int(sys.argv[2])
    torch.set_num_threads(1)
    with open(os.path.join(HERE, "config.json")) as f:
        c = json.load(f)
    c.pop("classifier", None)  # classify_torch.py's
    if seed is not None:
        c["seed"] = seed
    with open(os.path.join(HERE, c["text"]), encoding="utf-8") as f:
        text = f.read()
    log_lines = []

    def log(s):
        print(s, flush=True)
        log_lines.append(s)

    chars = vocab(text, c["max_chars"])
    index = {ch: i for i, ch in enumerate(chars) if i > 0}
    ids = torch.tensor([index.get(ch, 0) for ch in text], dtype=torch.int64)
    cut = int(len(ids) * (1 - c["valid"]))
    train, held = ids[:cut], ids[cut:]
    torch.manual_seed(c["seed"])
    rs = np.random.RandomState(c["seed"])
    model = CharLM(len(chars), c)
    opt = torch.optim.Adam(model.parameters(), lr=c["lr"])
    steps, seq, B, r = c["steps"], c["seq_len"], c["batch_size"], c["min_lr_ratio"]
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: r + (1 - r) * 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps)))
    log("PyTorch %s, 1 thread; %s: %d characters, %d ids; train %d, held out %d; config %s"
        % (torch.__version__, c["text"], len(ids), len(chars), len(train), len(held), json.dumps(c)))
    if dump:
        shapes = {}
        for k, v in model.state_dict().items():
            v.detach().numpy().astype("<f4").tofile(os.path.join(dump, k + ".f32"))
            shapes[k] = list(v.shape)
        record = {"weights": shapes, "vocab": chars, "loss": [], "grad_norm": [], "lr": []}
        all_starts = []
    t0 = time.time()
    for step in range(dump_steps or steps):
        starts = torch.from_numpy(rs.randint(0, len(train) - seq - 1, B))
        x = train[starts[:, None] + torch.arange(seq + 1)[None, :]]
        logits = model(x[:, :-1])
        loss = nn.functional.cross_entropy(logits.reshape(-1, len(chars)), x[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        norm = nn.utils.clip_grad_norm_(model.parameters(), c["clip_norm"])
        if dump:
            all_starts.append(starts.numpy().astype("<i4"))
            record["loss"].append(loss.item())
            record["grad_norm"].append(norm.item())
            record["lr"].append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
        if (step + 1) % 300 == 0 or step + 1 == steps:
            log("step %4d  loss %.4f  %.0f s" % (step + 1, loss.item(), time.time() - t0))
    seconds = time.time() - t0
    if dump:
        np.concatenate(all_starts).tofile(os.path.join(dump, "starts.i32"))
        for k, v in model.state_dict().items():
            v.detach().numpy().astype("<f4").tofile(os.path.join(dump, k + ".final.f32"))
        record["held_out_loss"] = held_out_loss(model.eval(), held, seq)
        with open(os.path.join(dump, "dump.json"), "w") as f:
            json.dump(record, f)
        print("dumped %d steps to %s; held-out loss %.4f" % (dump_steps, dump, record["held_out_loss"]))
        return 0
    model.eval()
    val = held_out_loss(model, held, seq)
    log("held-out loss %.4f nats/char after %d steps; training took %.0f s (%.1f ms per step)" % (val, steps, seconds, 1000 * seconds / steps))
    with open(os.path.join(HERE, "torch.log" if seed is None else "torch_seed%d.log" % seed), "w") as f:
        f.write("\n".join(log_lines) + "\n")
    seeds_file = os.path.join(HERE, "torch_seeds.json")
    seeds = json.load(open(seeds_file)) if os.path.exists(seeds_file) else {}
    seeds[str(c["seed"])] = val
    with open(seeds_file, "w") as f:
        json.dump(dict(sorted(seeds.items(), key=lambda kv: int(kv[0]))), f, indent=2)
        f.write("\n")
    if seed is not None:
        return 0
    with open(os.path.join(HERE, "torch_result.json"), "w") as f:
        json.dump({"held_out_loss": val, "steps": steps, "seconds": seconds, "torch_version": torch.__version__}, f, indent=2)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
