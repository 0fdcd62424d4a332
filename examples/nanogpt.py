"""A nanoGPT-style character-level GPT — a plain PyTorch script; only the imports say jaxtorch.

    python examples/nanogpt.py                     # 200 iterations, eager, bfloat16 autocast
    python examples/nanogpt.py --compile           # the training step through torch.compile
    python examples/nanogpt.py --iters 300 --resume  # continue from out/ckpt.pt up to iteration 300

It trains on examples/data/lighthouse.txt (a short story written for this project) with AdamW and two
parameter groups (weight decay on matrices only), gradient clipping, a warmup + cosine learning-rate
schedule (LambdaLR), bfloat16 autocast, checkpoints via torch.save/torch.load, and samples text with
top-k + multinomial sampling. Replacing the imports by `import torch` ... runs the same with PyTorch.
"""

import argparse
import math
import os
import time

import jaxtorch as torch
import jaxtorch.nn as nn
import jaxtorch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd, n_head, dropout):
        super().__init__()
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.c_proj = nn.Linear(n_embd, n_embd)
        self.resid_dropout = nn.Dropout(dropout)
        self.n_head = n_head
        self.dropout = dropout

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(C, dim=2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        y = F.scaled_dot_product_attention(q, k, v, dropout_p=self.dropout if self.training else 0.0, is_causal=True)
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    def __init__(self, n_embd, dropout):
        super().__init__()
        self.c_fc = nn.Linear(n_embd, 4 * n_embd)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * n_embd, n_embd)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    def __init__(self, n_embd, n_head, dropout):
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head, dropout)
        self.ln_2 = nn.LayerNorm(n_embd)
        self.mlp = MLP(n_embd, dropout)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, vocab_size, block_size, n_layer, n_head, n_embd, dropout):
        super().__init__()
        self.block_size = block_size
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.wpe = nn.Embedding(block_size, n_embd)
        self.drop = nn.Dropout(dropout)
        self.h = nn.ModuleList([Block(n_embd, n_head, dropout) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)
        self.wte.weight = self.lm_head.weight  # weight tying
        self.apply(self._init_weights)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):  # GPT-2's scaled init of residual projections
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * n_layer))

    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, idx, targets=None):
        t = idx.size(1)
        pos = torch.arange(0, t, dtype=torch.long)
        x = self.drop(self.wte(idx) + self.wpe(pos))
        for block in self.h:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))
        if targets is None:
            return logits, None
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
        return logits, loss

    def configure_optimizers(self, weight_decay, learning_rate, betas):
        params = {n: p for n, p in self.named_parameters() if p.requires_grad}
        decay = [p for p in params.values() if p.dim() >= 2]
        no_decay = [p for p in params.values() if p.dim() < 2]
        groups = [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
        print(f"decayed tensors: {len(decay)} ({sum(p.numel() for p in decay):,} parameters), "
              f"non-decayed tensors: {len(no_decay)} ({sum(p.numel() for p in no_decay):,} parameters)")
        return torch.optim.AdamW(groups, lr=learning_rate, betas=betas)

    @torch.no_grad()
    def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None):
        for _ in range(max_new_tokens):
            idx_cond = idx if idx.size(1) <= self.block_size else idx[:, -self.block_size:]
            logits, _ = self(idx_cond)
            logits = logits[:, -1, :].float() / temperature
            if top_k is not None:
                v, _ = torch.topk(logits, min(top_k, logits.size(-1)))
                logits[logits < v[:, [-1]]] = -float("Inf")
            probs = F.softmax(logits, dim=-1)
            idx_next = torch.multinomial(probs, num_samples=1)
            idx = torch.cat((idx, idx_next), dim=1)
        return idx


def main():
    p = argparse.ArgumentParser(description="character-level nanoGPT")
    p.add_argument("--data", default=os.path.join(HERE, "data", "lighthouse.txt"))
    p.add_argument("--out-dir", default="out")
    p.add_argument("--iters", type=int, default=200, help="train up to this iteration number")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--block-size", type=int, default=64)
    p.add_argument("--n-layer", type=int, default=2)
    p.add_argument("--n-head", type=int, default=4)
    p.add_argument("--n-embd", type=int, default=64)
    p.add_argument("--dropout", type=float, default=0.0)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--min-lr", type=float, default=3e-4)
    p.add_argument("--warmup-iters", type=int, default=20)
    p.add_argument("--lr-decay-iters", type=int, default=None, help="defaults to --iters")
    p.add_argument("--weight-decay", type=float, default=0.1)
    p.add_argument("--grad-clip", type=float, default=1.0)
    p.add_argument("--dtype", default="bfloat16", choices=["float32", "bfloat16", "float16"])
    p.add_argument("--log-interval", type=int, default=10)
    p.add_argument("--ckpt-interval", type=int, default=100)
    p.add_argument("--sample-tokens", type=int, default=200)
    p.add_argument("--top-k", type=int, default=10)
    p.add_argument("--seed", type=int, default=1337)
    p.add_argument("--compile", action="store_true")
    p.add_argument("--resume", action="store_true", help="continue from <out-dir>/ckpt.pt")
    args = p.parse_args()
    decay_iters = args.lr_decay_iters or args.iters

    torch.manual_seed(args.seed)
    with open(args.data, encoding="utf-8") as f:
        text = f.read()
    chars = sorted(set(text))
    stoi = {ch: i for i, ch in enumerate(chars)}
    data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
    n = int(0.9 * len(data))
    train_data, val_data = data[:n], data[n:]
    offsets = torch.arange(args.block_size)

    def get_batch(split):
        d = train_data if split == "train" else val_data
        ix = torch.randint(len(d) - args.block_size - 1, (args.batch_size,))
        idx = ix[:, None] + offsets  # (B, T) positions, gathered in one indexing op
        return d[idx], d[idx + 1]

    model = GPT(len(chars), args.block_size, args.n_layer, args.n_head, args.n_embd, args.dropout)
    print(f"vocabulary {len(chars)} characters, {len(data):,} tokens; "
          f"model {sum(p.numel() for p in model.parameters()):,} parameters")
    optimizer = model.configure_optimizers(args.weight_decay, args.lr, (0.9, 0.95))

    def lr_factor(it):  # linear warmup, then cosine decay to min_lr, as a multiple of the base lr
        if it < args.warmup_iters:
            return (it + 1) / (args.warmup_iters + 1)
        if it > decay_iters:
            return args.min_lr / args.lr
        ratio = (it - args.warmup_iters) / max(1, decay_iters - args.warmup_iters)
        return (args.min_lr + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (args.lr - args.min_lr)) / args.lr

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_factor)
    ptdtype = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[args.dtype]
    ctx = torch.autocast(device_type="cpu", dtype=ptdtype, enabled=args.dtype != "float32")
    scaler = torch.amp.GradScaler("cpu", enabled=args.dtype == "float16")

    start = 0
    ckpt_path = os.path.join(args.out_dir, "ckpt.pt")
    if args.resume:
        ckpt = torch.load(ckpt_path)
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        scheduler.load_state_dict(ckpt["scheduler"])
        scaler.load_state_dict(ckpt["scaler"]) if scaler.is_enabled() else None
        start = ckpt["iter_num"]
        print(f"resumed from {ckpt_path} at iteration {start} (loss {ckpt['loss']:.4f})")

    def train_step(x, y):
        with ctx:
            _, loss = model(x, y)
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.unscale_(optimizer)
        torch.nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip)
        scaler.step(optimizer)
        scaler.update()
        return loss

    step = torch.compile(train_step) if args.compile else train_step

    def save(it, loss):
        os.makedirs(args.out_dir, exist_ok=True)
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                    "scheduler": scheduler.state_dict(), "scaler": scaler.state_dict(), "iter_num": it,
                    "loss": loss, "vocab": chars}, ckpt_path)
        print(f"saved checkpoint at iteration {it} to {ckpt_path}")

    model.train()
    t0 = time.time()
    loss_val = float("nan")
    for it in range(start, args.iters):
        x, y = get_batch("train")
        loss = step(x, y)
        scheduler.step()
        if it % args.log_interval == 0 or it in (start, args.iters - 1):
            loss_val = loss.item()
            print(f"iter {it}: loss {loss_val:.4f}, lr {scheduler.get_last_lr()[0]:.2e}, "
                  f"{(time.time() - t0) * 1000 / (it - start + 1):.1f} ms/iter")
        if (it + 1) % args.ckpt_interval == 0 and it + 1 < args.iters:
            save(it + 1, loss.item())
    if args.iters > start:
        save(args.iters, loss.item())

    model.eval()
    with torch.no_grad(), ctx:
        losses = [model(*get_batch("val"))[1].item() for _ in range(4)]
    print(f"val loss {sum(losses) / len(losses):.4f}")
    # sample from a window of real text so every generation step has the same (1, block) shape
    prompt = val_data[: args.block_size][None]
    with ctx:
        out = model.generate(prompt, args.sample_tokens, temperature=0.8, top_k=args.top_k)
    print("---- sample ----")
    print("".join(chars[i] for i in out[0, args.block_size:].tolist()))


if __name__ == "__main__":
    main()
