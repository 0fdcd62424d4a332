"""`python -m jaxtorch script.py`: unmodified PyTorch scripts run on jaxtorch (jaxtorch/__main__.py, _shim.py).

Every script runs in a subprocess: the shim must be installed before anything imports torch, and this test
process has the real torch imported (it is the oracle).
"""

import importlib.util
import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
import torch

import jaxtorch

SCRIPTS = pathlib.Path(__file__).parent / "scripts"
REPO = pathlib.Path(jaxtorch.__file__).resolve().parent.parent


def _run(args, cwd, timeout=240):
    env = dict(os.environ)
    # the children must import this checkout's jaxtorch whatever their cwd is
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    proc = subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{args} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def _numbers(output: str) -> dict:
    """'epoch 0 step 1 loss 1.0e+00' -> {'epoch 0 step 1 loss': [1.0]} for every printed line."""
    parsed = {}
    for line in output.splitlines():
        words = line.split()
        label = [w for w in words if not _is_float(w) or w.isdigit()]
        parsed[" ".join(label)] = [float(w) for w in words if _is_float(w) and not w.isdigit()]
    return parsed


def _is_float(word: str) -> bool:
    try:
        float(word)
        return True
    except ValueError:
        return False


def test_cnn_script_matches_real_torch(tmp_path):
    # Initial weights come from real torch (torch.save), and both runs load that same file.
    spec = importlib.util.spec_from_file_location("train_cnn_oracle", SCRIPTS / "train_cnn.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)  # defines Net with the real torch (guarded main does not run)
    torch.manual_seed(0)
    init = tmp_path / "init.pt"
    torch.save(script.Net().state_dict(), init)
    (tmp_path / "real").mkdir()
    (tmp_path / "jax").mkdir()

    expected = _numbers(_run([str(SCRIPTS / "train_cnn.py"), str(init), str(tmp_path / "real")], tmp_path))
    got = _numbers(_run(["-m", "jaxtorch", str(SCRIPTS / "train_cnn.py"), str(init), str(tmp_path / "jax")],
                        tmp_path))

    assert list(got) == list(expected)
    assert len([k for k in expected if "loss" in k]) == 9  # 8 training steps and the eval loss
    for label, values in expected.items():
        # rtol 1e-4: XLA and oneDNN sum convolutions in different orders; over 8 Adam steps the float32 rounding
        # differences grow to about 1e-7..1e-6 relative in the losses, far below 1e-4.
        np.testing.assert_allclose(got[label], values, rtol=1e-4, atol=1e-6, err_msg=label)
    # the jaxtorch run's checkpoint is a torch file: real torch reads it and sees the same tensors
    ours = torch.load(tmp_path / "jax" / "checkpoint.pt")
    theirs = torch.load(tmp_path / "real" / "checkpoint.pt")
    assert ours["model"].keys() == theirs["model"].keys()
    for k in theirs["model"]:
        torch.testing.assert_close(ours["model"][k], theirs["model"][k], rtol=1e-4, atol=1e-5)
    assert ours["optimizer"]["param_groups"] == theirs["optimizer"]["param_groups"]


def test_imports_resolve_and_missing_apis_say_so(tmp_path):
    out = _run(["-m", "jaxtorch", str(SCRIPTS / "resolve.py"), "a", "--flag"], tmp_path)
    res = json.loads(out.split("JSON", 1)[1])
    for key in ("torch_is_jaxtorch", "nn", "F", "optim", "rnn_module", "LSTM", "Linear", "data", "torchvision",
                "T", "datasets"):
        assert res[key] is True, key
    assert res["nn_spec"] == "jaxtorch.nn"  # the alias did not rename jaxtorch's own module
    assert res["real_torch_files"] == []
    # run as `python script.py a --flag` would
    script = str(SCRIPTS / "resolve.py")
    assert res["argv"] == [script, "a", "--flag"]
    assert res["file"] == script and res["name"] == "__main__"
    assert res["path0"] == str(SCRIPTS.resolve())
    assert res["cwd"] == str(tmp_path)

    errors = res["errors"]
    expected = {
        "sparse_coo_tensor": ("AttributeError", "torch.sparse_coo_tensor"),
        "nn_Foo": ("AttributeError", "torch.nn.NotALayer"),
        "fbgemm": ("AttributeError", "torch.fbgemm_pack_quantized_matrix"),
        "datapipes": ("ModuleNotFoundError", "torch.utils.data.datapipes"),
        "T_v2": ("ModuleNotFoundError", "torchvision.transforms.v2"),
        "models": ("ModuleNotFoundError", "torchvision.models"),
    }
    for label, (exc_type, api) in expected.items():
        assert errors[label] is not None, label
        assert errors[label][0] == exc_type, errors[label]
        assert errors[label][1].startswith(f"{api} is not supported yet in jaxtorch"), errors[label]
    assert res["hasattr_missing"] is False


def test_dataloader_workers_see_the_shim(tmp_path):
    out = _run(["-m", "jaxtorch", str(SCRIPTS / "workers.py"), "x"], tmp_path)
    lines = dict(line.split(" ", 1) for line in out.splitlines())
    assert lines["values"] == str([float(i * i) for i in range(8)])
    assert lines["worker_torch"] == "['jaxtorch']"  # each worker's `import torch` went to jaxtorch
    assert lines["worker_ids"] == "[0, 1]"
    assert lines["main_torch"] == "jaxtorch ['x']"


def test_module_and_code_modes(tmp_path):
    pkg = tmp_path / "userpkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "job.py").write_text("import sys, torch.nn\nprint(__name__, torch.nn.__name__, sys.argv[1:])\n")
    assert _run(["-m", "jaxtorch", "-m", "userpkg.job", "1"], tmp_path).split() == ["__main__", "jaxtorch.nn",
                                                                                    "['1']"]
    out = _run(["-m", "jaxtorch", "-c", "import torch, torchvision; print(torch.__name__, torchvision.__name__)"],
               tmp_path)
    assert out.split() == ["jaxtorch", "jaxtorch.vision"]


def test_script_errors_and_exit_status(tmp_path):
    (tmp_path / "fail.py").write_text("import sys\nif sys.argv[1:] == ['exit']:\n    sys.exit(3)\n"
                                      "raise ValueError('boom')\n")
    (tmp_path / "from_import.py").write_text("from torch.nn import Linear\nfrom torch import sparse_coo_tensor\n")
    for args, rc, text in ([["fail.py"], 1, "ValueError: boom"], [["fail.py", "exit"], 3, ""],
                           [["missing.py"], 2, "can't open file"],
                           [["from_import.py"], 1, "torch.sparse_coo_tensor is not supported yet in jaxtorch"]):
        proc = subprocess.run([sys.executable, "-m", "jaxtorch", *args], cwd=tmp_path, capture_output=True,
                              text=True, timeout=120)
        assert proc.returncode == rc, proc.stderr
        assert text in proc.stderr


def test_install_refuses_when_real_torch_is_loaded():
    # This process imported the real torch (the oracle); aliasing now would mix the two libraries.
    assert sys.modules["torch"] is torch
    with pytest.raises(RuntimeError, match="real torch is already imported"):
        jaxtorch.install()
    assert not jaxtorch._shim.is_installed()


def test_missing_attribute_message_without_the_shim():
    with pytest.raises(AttributeError, match=r"^torch\.sparse_coo_tensor is not supported yet in jaxtorch"):
        jaxtorch.sparse_coo_tensor  # noqa: B018
    assert not hasattr(jaxtorch.cuda, "not_a_cuda_function")
    with pytest.raises(AttributeError, match="has no attribute '__wrapped__'"):
        jaxtorch.__wrapped__  # noqa: B018  (dunder probes keep the plain message)
