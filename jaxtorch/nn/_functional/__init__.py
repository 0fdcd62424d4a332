"""Private implementation files of torch.nn.functional, one per family."""
