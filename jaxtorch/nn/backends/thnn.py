"""torch.nn.backends.thnn: kept by torch only so that old pickles that name it still load."""


def _get_thnn_function_backend() -> None:
    return None
