"""torch.nn.backends: a leftover package torch keeps so that very old pickles still load."""
