"""Every notebook in notebooks/ runs from top to bottom on small data: its code
cells are executed in order in one namespace (as a kernel would), with
matplotlib drawing off-screen."""

import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


def code_cells(path):
    return ["".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path, monkeypatch, tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = []
    monkeypatch.setattr(plt, "show", lambda *a, **k: shown.append(plt.gcf()))
    monkeypatch.setenv("EMBODB_NOTEBOOK_ROWS", "3000")
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    namespace = {"__name__": "__main__"}
    cells = code_cells(path)
    assert cells, f"{path.name} has no code"
    for i, source in enumerate(cells):
        try:
            exec(compile(source, f"{path.name}[cell {i}]", "exec"), namespace)
        except Exception as e:
            raise AssertionError(f"{path.name}, code cell {i} failed: {e!r}\n{source}") from e
    assert shown, f"{path.name} drew no figure"
    plt.close("all")
    if path.stem == "vector_search":
        # make test installs hnswlib: the plot must compare the two.
        assert set(namespace["curves"]) == {"embodb", "hnswlib"}
        assert all(0.9 <= recall <= 1.0 for recall, _ in namespace["curves"]["embodb"][-3:])
