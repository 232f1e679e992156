"""The dump folder loads with Hugging Face `datasets.load_dataset`, offline, config by config
as the card declares them. Run in a child process, with the hub's offline settings and a cache
of its own (the app is named `dumps`, so nothing in the project shadows the library)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from dumps.services import dataset_export

LOADER = r"""
import json, sys
import datasets
folder = sys.argv[1]
out = {"library": datasets.__file__}
for config in ("problems", "solutions", "submissions", "runs"):
    ds = datasets.load_dataset(folder, config, split="train")
    out[config] = {"rows": ds.num_rows, "columns": ds.column_names, "first": ds[0] if ds.num_rows else None}
# The JSONL files load with the same features as the Parquet ones.
features = datasets.load_dataset(folder, "solutions", split="train").features
jsonl = datasets.load_dataset("json", data_files=f"{folder}/solutions.jsonl", features=features, split="train")
out["solutions_jsonl_rows"] = jsonl.num_rows
print(json.dumps(out, default=str))
"""


def load_in_a_child(folder, tmp_path) -> subprocess.CompletedProcess:
    env = os.environ | {
        "HF_DATASETS_OFFLINE": "1",
        "HF_HUB_OFFLINE": "1",
        "HF_HOME": str(tmp_path / "hf"),
        "PYTHONPATH": "",
    }
    return subprocess.run(
        [sys.executable, "-c", LOADER, str(folder)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )


def test_load_dataset_reads_every_config_of_the_card(scenario, dump_dir, tmp_path):
    dump = dataset_export()
    folder = dump_dir / dump.name
    child = load_in_a_child(folder, tmp_path)
    assert child.returncode == 0, child.stderr[-3000:]
    # the card's dataset_info is what the library expects: no warning about it (issue 32, item 18)
    assert "num_bytes" not in child.stderr and "dataset_info" not in child.stderr, child.stderr[-2000:]
    out = json.loads(child.stdout.strip().splitlines()[-1])
    assert "site-packages" in out["library"]
    assert {c: out[c]["rows"] for c in dump.counts} == dump.counts
    assert out["solutions_jsonl_rows"] == dump.counts["solutions"]
    first = json.loads((folder / "solutions.jsonl").open().readline())
    assert out["solutions"]["first"]["code"] == first["code"]
    assert out["solutions"]["first"]["theorems"] == first["theorems"]
    assert "problem_fingerprint" in out["solutions"]["columns"]
    assert {"run", "batch"} <= set(out["submissions"]["columns"])
    run = scenario["run"]
    assert out["runs"]["first"]["id"] == run.pk and out["runs"]["first"]["problems"] == [
        {"problem": "open-problem", "attempts": 1, "judged": 1, "accepted": 1}
    ]


def test_a_config_with_no_rows_is_named_empty_in_the_card(make, dump_dir, tmp_path):
    """`datasets` cannot load a split with no rows: the card says so at that config."""
    make.problem("open-problem")  # a problem, nothing solved, no run: solutions, submissions and runs are empty
    dump = dataset_export()
    assert dump.counts["solutions"] == 0
    folder = dump_dir / dump.name
    child = load_in_a_child(folder, tmp_path)
    assert "corresponds to no data" in child.stderr  # the library's refusal, as the card warns
    card = (folder / "README.md").read_text()
    assert card.count("empty in this dump: `load_dataset` cannot load a config with no rows") == 3
