"""gensim's side of bench/word2vec.mjs: a worker that trains and evaluates gensim Word2Vec runs on request."""
# Started by bench/word2vec.mjs with Debian's /usr/bin/python3 (python3-gensim 4.2). Reads one JSON request per line
# on stdin, answers one JSON line on stdout:
#   {"corpus": path, "options": {...}, "seed": n}      trains (workers=1 unless the options say) and evaluates; times train() alone
#   {"evaluate": path of a word2vec binary file}        evaluates vectors lstm-wasm trained, with gensim's evaluator
# Evaluation: WordSim-353 and SimLex-999 Spearman (evaluate_word_pairs), the word2vec analogy questions
# (evaluate_word_analogies), each restricted to the vocabulary (gensim's defaults: case-insensitive, OOV skipped).
import json
import logging
import os
import sys
import time

import gensim
from gensim.models import KeyedVectors, Word2Vec

logging.disable(logging.WARNING)
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
corpora = {}


def evaluate(wv):
    out = {}
    for name, f in [("wordsim353", "wordsim353.tsv"), ("simlex999", "simlex999.txt")]:
        _, spearman, oov = wv.evaluate_word_pairs(os.path.join(DATA, f))
        out[name] = float(spearman[0])
        out[name + "_oov"] = float(oov)
    score, sections = wv.evaluate_word_analogies(os.path.join(DATA, "questions-words.txt"))
    out["analogies"] = float(score)
    out["analogies_n"] = len(sections[-1]["correct"]) + len(sections[-1]["incorrect"])
    return out


print(json.dumps({"ready": True, "gensim": gensim.__version__}), flush=True)
for line in sys.stdin:
    req = json.loads(line)
    if "evaluate" in req:
        print(json.dumps(evaluate(KeyedVectors.load_word2vec_format(req["evaluate"], binary=True))), flush=True)
        continue
    path = req["corpus"]
    if path not in corpora:
        corpora[path] = [l.split() for l in open(path, encoding="utf-8") if l.strip()]
    sentences = corpora[path]
    options = {"workers": 1, **req["options"]}
    m = Word2Vec(seed=req["seed"], **options)
    m.build_vocab(sentences)
    t = time.perf_counter()
    m.train(sentences, total_examples=m.corpus_count, epochs=m.epochs)
    seconds = time.perf_counter() - t
    print(json.dumps({"seconds": seconds, "vocab": len(m.wv), **evaluate(m.wv)}), flush=True)
