"""Train the bundled `charlm` model: a 2-layer character-level LSTM language model on the KJV Bible (PyTorch, CPU)."""
# Run from anywhere with Debian's python (torch 1.13):  /usr/bin/python3 examples/models/train_charlm.py
# Needs the `bible` command (Debian bible-kjv). Writes examples/models/charlm/{model.safetensors, model.onnx,
# vocab.json, train.log} and test/fixtures/models/charlm/ (PyTorch's own outputs for the JS tests).
# Seeded (reruns give the same weights on one machine); 12-20 minutes on 2 cores.
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # OpenBLAS threads beside torch's OpenMP threads thrash 2 cores
import collections
import math
import sys
import time
import warnings

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import start_run, FIXTURES, HERE, Log, file_sizes, kjv_verses, save_json, save_npy, save_safetensors, text_sha256

OUT = os.path.join(HERE, "charlm")
FIX = os.path.join(FIXTURES, "charlm")
MAX_CHARS = 80          # keep the 80 most frequent characters; every other character is id 0
UNKNOWN = "\ufffd"      # chars[0]: what id 0 decodes to
EMBED, HIDDEN, LAYERS = 32, 192, 2
SEQ, BATCH, STEPS, LR = 128, 64, 1800, 3e-3
PROMPTS = [("", "In the beginning"), ("2", "And the LORD said")]
GREEDY = 60


class CharLM(nn.Module):
    def __init__(self, vocab):
        super().__init__()
        self.embed = nn.Embedding(vocab, EMBED)
        self.lstm = nn.LSTM(EMBED, HIDDEN, num_layers=LAYERS, batch_first=True)
        self.head = nn.Linear(HIDDEN, vocab)

    def forward(self, ids, state=None):
        y, (h, c) = self.lstm(self.embed(ids), state)
        return self.head(y), (h, c)


def build_vocab(text):
    counts = collections.Counter(text)
    keep = sorted(counts, key=lambda ch: (-counts[ch], ord(ch)))[:MAX_CHARS]
    return [UNKNOWN] + sorted(keep)  # id i <-> chars[i]; kept characters in code-point order from id 1


def encode(s, index):
    return [index.get(ch, 0) for ch in s]


def evaluate(model, data):
    """Mean next-character cross-entropy (nats) over `data`, in windows of SEQ+1 from a zero state."""
    model.eval()
    total, n = 0.0, 0
    with torch.no_grad():
        for at in range(0, len(data) - 1, SEQ * 32):
            rows = [data[i:i + SEQ + 1] for i in range(at, min(at + SEQ * 32, len(data) - 1), SEQ)]
            rows = [r for r in rows if len(r) == SEQ + 1]
            if not rows:
                continue
            x = torch.stack(rows)
            logits, _ = model(x[:, :-1])
            total += nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1),
                                                 reduction="sum").item()
            n += x[:, 1:].numel()
    model.train()
    return total / n


def greedy(model, prompt_ids, n):
    """PyTorch's own greedy loop: feed the prompt, then take argmax of the last logits and feed that one token
    with the carried (h, c), n times. Returns the prompt logits, the state after the prompt, the n ids and the
    smallest top-1/top-2 logit gap seen (how safely another runtime reproduces each argmax)."""
    with torch.no_grad():
        logits, state = model(torch.tensor([prompt_ids]))
        prompt_logits, prompt_state = logits, state
        out, gap = [], math.inf
        while True:
            top2 = torch.topk(logits[0, -1], 2).values
            gap = min(gap, float(top2[0] - top2[1]))
            nxt = int(torch.argmax(logits[0, -1]))
            out.append(nxt)
            if len(out) == n:
                return prompt_logits, prompt_state, out, gap
            logits, state = model(torch.tensor([[nxt]]), state)


def main():
    t_start, rs, log = start_run(OUT, FIX)

    verses = kjv_verses()
    # Hold out every 50th chapter (24 chapters, ~2% of the text) to measure the loss on unseen text.
    chapters = sorted({(v[0], v[2]) for v in verses})
    held = {ch for i, ch in enumerate(chapters) if i % 50 == 25}
    train_text = "".join(v[4] + "\n" for v in verses if (v[0], v[2]) not in held)
    val_text = "".join(v[4] + "\n" for v in verses if (v[0], v[2]) in held)
    chars = build_vocab(train_text)
    index = {ch: i for i, ch in enumerate(chars) if i > 0}
    V = len(chars)
    train = torch.tensor(encode(train_text, index), dtype=torch.int64)
    val = torch.tensor(encode(val_text, index), dtype=torch.int64)
    log("KJV from `bible -f gen1:1-rev22:21`: %d verses, text sha256 %s" % (len(verses), text_sha256(verses)))
    log("text: one verse per line (verse text + '\\n'); train %d chars, held out %d chars (%d chapters)"
        % (len(train), len(val), len(held)))
    log("vocab: %d ids (id 0 = unknown, then %d characters in code-point order)" % (V, V - 1))

    model = CharLM(V)
    n_params = sum(p.numel() for p in model.parameters())
    log("model: Embedding(%d, %d) -> LSTM(%d, %d, num_layers=%d, batch_first=True) -> Linear(%d, %d); %d params"
        % (V, EMBED, EMBED, HIDDEN, LAYERS, HIDDEN, V, n_params))
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * s / STEPS)) * 0.97 + 0.03)
    log("training: %d steps of %d random windows of %d+1 chars from a zero state (%.1f epochs), Adam lr %g cosine, "
        "grad clip 1.0" % (STEPS, BATCH, SEQ, STEPS * BATCH * SEQ / len(train), LR))
    log("untrained held-out loss %.4f nats/char (uniform would be %.4f)" % (evaluate(model, val), math.log(V)))
    t0, run = time.time(), 0.0
    for step in range(1, STEPS + 1):
        starts = torch.from_numpy(rs.randint(0, len(train) - SEQ - 1, BATCH))
        x = train[starts[:, None] + torch.arange(SEQ + 1)[None, :]]
        logits, _ = model(x[:, :-1])
        loss = nn.functional.cross_entropy(logits.reshape(-1, V), x[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        run = loss.item() if step == 1 else 0.98 * run + 0.02 * loss.item()
        if step % 100 == 0 or step == STEPS:
            msg = "step %4d  train loss %.4f (smoothed)  lr %.5f  %.0fs" % (step, run, sched.get_last_lr()[0], time.time() - t0)
            if step % 300 == 0 or step == STEPS:
                msg += "  held-out loss %.4f nats/char" % evaluate(model, val)
            log(msg)
    train_time = time.time() - t0
    model.eval()
    val_loss = evaluate(model, val)
    log("final held-out loss %.4f nats/char = %.3f bits/char (perplexity %.2f); training took %.0f s"
        % (val_loss, val_loss / math.log(2), math.exp(val_loss), train_time))

    meta = {"batch_first": "true", "head": "every_step", "output": "logits", "input": "token_ids",
            "vocab": "vocab.json", "torch_version": torch.__version__,
            "description": "character-level LSTM language model on the KJV Bible: Embedding(%d, %d) -> "
                           "LSTM(%d, %d, num_layers=%d) -> Linear(%d, %d) at every step; ids per vocab.json"
                           % (V, EMBED, EMBED, HIDDEN, LAYERS, HIDDEN, V)}
    save_safetensors(os.path.join(OUT, "model.safetensors"), model.state_dict(), meta)
    save_json(os.path.join(OUT, "vocab.json"), {"chars": chars, "unknown": 0})
    warnings.filterwarnings("ignore", category=UserWarning, module=r"torch\.onnx")  # benign export notes
    B, T = 2, 5
    torch.onnx.export(model, (torch.zeros(B, T, dtype=torch.int64), (torch.zeros(LAYERS, B, HIDDEN), torch.zeros(LAYERS, B, HIDDEN))),
                      os.path.join(OUT, "model.onnx"), opset_version=14, do_constant_folding=True,
                      input_names=["ids", "h0", "c0"], output_names=["logits", "h", "c"],
                      dynamic_axes={"ids": {0: "B", 1: "T"}, "h0": {1: "B"}, "c0": {1: "B"},
                                    "logits": {0: "B", 1: "T"}, "h": {1: "B"}, "c": {1: "B"}})

    case = {"model": "examples/models/charlm/model.safetensors (and model.onnx)", "torch_version": torch.__version__,
            "produced_by": "examples/models/train_charlm.py: PyTorch, float32, eval mode, CPU", "greedy_steps": GREEDY,
            "procedure": "ids = one id per Unicode code point (chars.indexOf, else 0); logits, (h, c) = model(ids) from "
                         "a zero state; then %d times: next = argmax(logits[0, -1]) (first index on ties), append it, "
                         "and (unless it is the %dth) logits, (h, c) = model([[next]], (h, c))" % (GREEDY, GREEDY),
            "cases": []}
    for tag, prompt in PROMPTS:
        ids = encode(prompt, index)
        logits, (h, c), out, gap = greedy(model, ids, GREEDY)
        text = "".join(chars[i] for i in out)
        save_npy(os.path.join(FIX, "prompt%s_ids.npy" % tag), np.array([ids]), "<i8")
        save_npy(os.path.join(FIX, "prompt%s_logits.npy" % tag), logits.numpy(), "<f4")
        save_npy(os.path.join(FIX, "prompt%s_h.npy" % tag), h.numpy(), "<f4")
        save_npy(os.path.join(FIX, "prompt%s_c.npy" % tag), c.numpy(), "<f4")
        save_npy(os.path.join(FIX, "greedy%s_ids.npy" % tag), np.array(out), "<i8")
        with open(os.path.join(FIX, "greedy%s.txt" % tag), "w") as f:
            f.write(text)
        log("greedy from %r: %r (smallest top-1/top-2 logit gap %.4f)" % (prompt, text, gap))
        case["cases"].append({
            "prompt": prompt, "greedy_text": text, "min_top2_logit_gap": round(gap, 6),
            "files": {"prompt%s_ids.npy" % tag: "int64 [1, %d]: the prompt's ids" % len(ids),
                      "prompt%s_logits.npy" % tag: "float32 [1, %d, %d]: logits at every prompt step" % (len(ids), V),
                      "prompt%s_h.npy" % tag: "float32 [%d, 1, %d]: h after the prompt" % (LAYERS, HIDDEN),
                      "prompt%s_c.npy" % tag: "float32 [%d, 1, %d]: c after the prompt" % (LAYERS, HIDDEN),
                      "greedy%s_ids.npy" % tag: "int64 [%d]: the greedy ids after the prompt" % GREEDY,
                      "greedy%s.txt" % tag: "the greedy ids decoded (chars[id]), without the prompt"}})
    save_json(os.path.join(FIX, "case.json"), case)
    log("files: %s" % file_sizes(OUT))
    log("wall time %.0f s (training %.0f s)" % (time.time() - t_start, train_time))
    log.write(os.path.join(OUT, "train.log"))


if __name__ == "__main__":
    main()
