"""torch.fx.experimental: the symbolic-shape helpers libraries call on sizes (all sizes are concrete in jaxtorch)."""
