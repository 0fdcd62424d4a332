"""torch.masked: reductions and normalizations that take a boolean mask of the elements to use."""
