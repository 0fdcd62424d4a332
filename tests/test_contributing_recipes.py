"""The recipes in docs/contributing.md work: every code block there that starts with `# recipe:` is run as written
(each block compares its result with real torch itself)."""

import os
import re

import pytest

DOC = os.path.join(os.path.dirname(__file__), "..", "docs", "contributing.md")


def _recipes() -> dict:
    text = open(DOC).read()
    blocks = re.findall(r"```python\n(# recipe: (\w+)\n.*?)```", text, flags=re.S)
    return {name: code for code, name in blocks}


def test_every_recipe_kind_is_there():
    assert {"optimizer", "module", "test"} <= set(_recipes())


@pytest.mark.parametrize("name", sorted(_recipes()))
def test_recipe_runs(name):
    code = _recipes()[name]
    exec(compile(code, f"docs/contributing.md:{name}", "exec"), {"__name__": f"recipe_{name}"})
