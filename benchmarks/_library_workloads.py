"""Workloads for bench_libraries.py: one script, run by real torch and by jaxtorch (`python -m jaxtorch`).

usage: _library_workloads.py NAME   (gpt2, bert, llama, resnet18, vit)
Prints one JSON line of phase timings in seconds: import (torch + the library), build (model and optimizer),
train (STEPS AdamW steps, first calls included), generate (greedy, GEN_TOKENS new tokens; causal LMs only),
and total (from interpreter start, so the import of torch itself is counted).
"""

import json
import os
import sys
import time

T0 = time.perf_counter()
STEPS = int(os.environ.get("BENCH_STEPS", 10))
GEN_TOKENS = int(os.environ.get("BENCH_GEN_TOKENS", 32))
name = sys.argv[1]

import numpy as np  # noqa: E402
import torch  # noqa: E402

if name in ("gpt2", "bert", "llama"):
    import transformers as tf  # noqa: F401
else:
    import timm  # noqa: F401
t_import = time.perf_counter()


def sync(t):
    float(t.detach().sum())  # waits for the value (jaxtorch dispatches asynchronously)


torch.manual_seed(0)
rng = np.random.default_rng(0)
if name == "gpt2":
    model = tf.GPT2LMHeadModel(tf.GPT2Config(n_layer=2, n_embd=64, n_head=4, vocab_size=1000, n_positions=128,
                                             bos_token_id=0, eos_token_id=1, pad_token_id=1))
elif name == "bert":
    model = tf.BertForMaskedLM(tf.BertConfig(num_hidden_layers=2, hidden_size=64, num_attention_heads=4,
                                             intermediate_size=256, vocab_size=1000, max_position_embeddings=128))
elif name == "llama":
    model = tf.LlamaForCausalLM(tf.LlamaConfig(num_hidden_layers=2, hidden_size=64, num_attention_heads=4,
                                               num_key_value_heads=2, intermediate_size=256, vocab_size=1000,
                                               max_position_embeddings=128, bos_token_id=0, eos_token_id=1,
                                               pad_token_id=1))
elif name == "resnet18":
    model = timm.create_model("resnet18", pretrained=False, num_classes=10)
elif name == "vit":
    model = timm.create_model("vit_tiny_patch16_224", pretrained=False, img_size=64, patch_size=16, num_classes=10)
else:
    raise SystemExit(f"unknown workload {name}")
opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
t_build = time.perf_counter()

model.train()
if name in ("gpt2", "bert", "llama"):
    ids = torch.tensor(rng.integers(2, 1000, size=(4, 32)), dtype=torch.long)
    batch = dict(input_ids=ids, labels=ids)
else:
    batch = dict(x=torch.tensor(rng.standard_normal((8, 3, 64, 64)), dtype=torch.float32),
                 y=torch.tensor(rng.integers(0, 10, size=(8,)), dtype=torch.long))
step_times = []
for _ in range(STEPS):
    s = time.perf_counter()
    opt.zero_grad(set_to_none=True)
    if name in ("gpt2", "bert", "llama"):
        loss = model(**batch).loss
    else:
        loss = torch.nn.functional.cross_entropy(model(batch["x"]), batch["y"])
    loss.backward()
    opt.step()
    sync(loss)
    step_times.append(time.perf_counter() - s)
t_train = time.perf_counter()

t_gen = t_train
if name in ("gpt2", "llama"):
    model.eval()
    with torch.no_grad():
        out = model.generate(batch["input_ids"][:1, :8], max_new_tokens=GEN_TOKENS, do_sample=False, pad_token_id=1,
                             min_new_tokens=GEN_TOKENS)
    sync(out)
    t_gen = time.perf_counter()

steady = float(np.median(step_times[len(step_times) // 2:]))
print("JSON" + json.dumps({"import": t_import - T0, "build": t_build - t_import, "train": t_train - t_build,
                          "first_step": step_times[0], "steady_step": steady, "generate": t_gen - t_train,
                          "total": t_gen - T0}))
