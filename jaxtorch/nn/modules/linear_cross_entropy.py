"""torch.nn.modules.linear_cross_entropy: torch keeps only private helpers here (its chunked CUDA/CPU kernels
for F.linear_cross_entropy); jaxtorch's F.linear_cross_entropy lives in nn/_functional/loss.py. Nothing public."""

__all__: list[str] = []
