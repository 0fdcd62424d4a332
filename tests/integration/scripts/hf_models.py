"""One script, run twice: by real torch (`python hf_models.py ...`) and by jaxtorch (`python -m jaxtorch hf_models.py
...`). It builds tiny Hugging Face models and records what a user would look at: logits, loss, every parameter
gradient, the parameters after three AdamW steps, and greedy generate() tokens. The test compares the result files.

usage: hf_models.py OUT_DIR MODEL [MODEL ...]    (MODEL: gpt2, bert, llama, gpt2-compile)

Weights travel the way users move them, with transformers' own safetensors code: the torch run saves its freshly
initialised model with save_pretrained(OUT_DIR/<model>-init); the jaxtorch run loads it with from_pretrained, and
after training saves its parameters with save_pretrained(OUT_DIR/<model>-trained), which the test loads with real
torch. gpt2-compile is gpt2 with the training steps under torch.compile.
"""

import os
import sys

import numpy as np
import torch
import transformers as tf

OUT = sys.argv[1]
ROLE = os.environ["HF_ROLE"]
CLASSES = {"gpt2": tf.GPT2LMHeadModel, "bert": tf.BertForMaskedLM, "llama": tf.LlamaForCausalLM}


def to_np(t):
    return t.detach().float().numpy() if t.dtype.is_floating_point else t.detach().numpy()


def config(name):
    if name == "gpt2":
        return tf.GPT2Config(n_layer=2, n_embd=64, n_head=4, vocab_size=97, n_positions=32, bos_token_id=0,
                             eos_token_id=1, pad_token_id=1, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)
    if name == "bert":
        return tf.BertConfig(num_hidden_layers=2, hidden_size=64, num_attention_heads=4, intermediate_size=128,
                             vocab_size=97, max_position_embeddings=32, hidden_dropout_prob=0.0,
                             attention_probs_dropout_prob=0.0, pad_token_id=1)
    if name == "llama":
        return tf.LlamaConfig(num_hidden_layers=2, hidden_size=64, num_attention_heads=4, num_key_value_heads=2,
                              intermediate_size=128, vocab_size=97, max_position_embeddings=32, bos_token_id=0,
                              eos_token_id=1, pad_token_id=1)
    raise SystemExit(f"unknown model {name}")


def run(name):
    base = name.removesuffix("-compile")
    cls, causal = CLASSES[base], base != "bert"
    init = os.path.join(OUT, f"{base}-init")
    if ROLE == "torch":
        torch.manual_seed(0)
        model = cls(config(base))
        model.save_pretrained(init)
    else:
        model = cls.from_pretrained(init)
    model.train()
    rng = np.random.default_rng(0)
    ids = torch.tensor(rng.integers(2, 97, size=(2, 12)), dtype=torch.long)
    mask = torch.ones_like(ids)
    if not causal:
        mask[1, :3] = 0  # BERT: exercise the padding mask
    res = {}
    out = model(input_ids=ids, attention_mask=mask, labels=ids)
    res["logits"] = to_np(out.logits)
    res["loss"] = to_np(out.loss)
    out.loss.backward()
    for k, p in model.named_parameters():
        if p.grad is not None:
            res["grad." + k] = to_np(p.grad)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = model(input_ids=ids, attention_mask=mask, labels=ids).loss
        loss.backward()
        opt.step()
        return loss

    step_fn = torch.compile(step) if name.endswith("-compile") else step
    res["step_losses"] = np.stack([to_np(step_fn()) for _ in range(3)])
    if name.endswith("-compile"):
        res["compile_stats"] = np.array([torch.compiler.stats()[k] for k in ("compiles", "graph_breaks")])
    for k, p in model.named_parameters():
        res["param." + k] = to_np(p)
    if causal:
        model.eval()
        with torch.no_grad():
            gen = model.generate(ids[:1, :5], max_new_tokens=6, do_sample=False, pad_token_id=1)
        res["generate"] = to_np(gen)
    if ROLE == "jaxtorch":
        model.save_pretrained(os.path.join(OUT, f"{name}-trained"))
    np.savez(os.path.join(OUT, f"{name}.{ROLE}.npz"), **res)


for model_name in sys.argv[2:]:
    run(model_name)
