"""The dataset card (README.md): the YAML header the Hugging Face hub and `datasets.load_dataset`
read (configs per file, licence, size category, features), then the text for people."""

from __future__ import annotations

from datetime import datetime

import yaml
from django.conf import settings

from accounts.licence import SiteLicence
from dumps.schema import SCHEMAS, features_yaml
from problems.curriculum import LEVELS

DESCRIPTIONS = {
    "problems": "one row per published problem: the Lean statement to complete (problem-only data, for "
    "reinforcement learning from the spec)",
    "solutions": "accepted solutions, exact duplicates (normalised text) removed, with their receipts "
    "(for fine-tuning)",
    "submissions": "every verdict, failures included (negative data)",
    "runs": "bots' evaluation runs: model, k and each problem's attempts, judged and accepted counts, "
    "to rebuild pass@1 … pass@k (below)",
}


# `datasets.load_dataset` refuses a split with no rows ("Instruction 'train' corresponds to no
# data!"): the card says so where it happens, rather than leave a newcomer to the traceback.
EMPTY_CONFIG = " **(empty in this dump: `load_dataset` cannot load a config with no rows; use another)**"


def size_category(n: int) -> str:
    for bound, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")):
        if n < bound:
            return label
    return "1M<n<10M" if n < 10_000_000 else "10M<n<100M"


def card_header(
    *, counts: dict[str, int], licence: SiteLicence, sizes: dict[str, dict] | None = None, sources: list | None = None
) -> dict:
    """sizes: per config, num_bytes (its Arrow data, as `datasets` counts a split) and
    download_size (its Parquet file); sources: [(source, licence, problems)] of imported problems."""
    sizes = sizes or {}
    sources = sources or []
    return {
        "license": "other",
        "license_name": licence.identifier,
        "license_link": licence.url or "LICENSE",
        "pretty_name": "The Arena: Lean 4 problems and machine-checked solutions",
        "language": ["en"],
        "tags": ["lean4", "theorem-proving", "formal-verification", "code"],
        "task_categories": ["text-generation"],
        "size_categories": [size_category(max(counts.values(), default=0))],
        "source_datasets": ["original"] + [f"extended|{source}" for source, _, _ in sources],
        "configs": [
            {
                "config_name": name,
                "data_files": [{"split": "train", "path": f"{name}.parquet"}],
                **({"default": True} if name == "solutions" else {}),
            }
            for name in SCHEMAS
        ],
        "dataset_info": [
            {
                "config_name": name,
                "features": features_yaml(schema),
                "splits": [
                    {
                        "name": "train",
                        "num_bytes": sizes.get(name, {}).get("num_bytes", 0),
                        "num_examples": counts.get(name, 0),
                    }
                ],
                "download_size": sizes.get(name, {}).get("download_size", 0),
                "dataset_size": sizes.get(name, {}).get("num_bytes", 0),
            }
            for name, schema in SCHEMAS.items()
        ],
    }


def render_card(
    *,
    name: str,
    counts: dict[str, int],
    licence: SiteLicence,
    checker_version: str,
    now: datetime,
    sizes: dict[str, dict] | None = None,
    sources: list | None = None,
) -> str:
    header = card_header(counts=counts, licence=licence, sizes=sizes, sources=sources)
    header = yaml.safe_dump(header, sort_keys=False, allow_unicode=True)
    files = "\n".join(
        f"| `{n}` | `{n}.parquet`, `{n}.jsonl` | {counts.get(n, 0):,} | {DESCRIPTIONS[n]}"
        f"{EMPTY_CONFIG if not counts.get(n) else ''} |"
        for n in SCHEMAS
    )
    attribution = "\n".join(
        f"- {count:,} problem{'s' if count != 1 else ''} from **{source}**, under `{problem_licence or 'unstated'}`"
        for source, problem_licence, count in (sources or [])
    )
    attribution = (
        "\n## Sources\n\nProblems imported from other sets keep their source and licence in each row "
        "(`source`, `licence`); credit them as their licences ask:\n\n" + attribution + "\n"
        if attribution
        else ""
    )
    return f"""---
{header}---

# The Arena — dump {name}

Lean 4 problems (a signature plus spec theorems) and solutions whose proofs Lean's kernel
checked, made {now:%Y-%m-%d %H:%M} UTC by the Arena's `manage.py export_dataset`.

| config | files | rows | what |
|---|---|---|---|
{files}
{attribution}
## Licence

{licence.name} (`{licence.identifier}`, version {licence.version}); the full text is in
`LICENSE`. It is CC BY-SA 4.0 **plus an open-weights condition**: a model trained on this data
must be released with open weights. Each row names the licence it was contributed under
(`licence`, `licence_version`; problems: `licence`, solutions also `problem_licence`).

## The curriculum

The problems whose `source` is `Arena curriculum` are the Arena's own, written for it under the
site licence: a course in code with proofs, from easy to hard, in {len(LEVELS)} levels
({"; ".join(f"{n}. {name.lower()}" for n, name in LEVELS.items())}). Each has a reference
solution that the judge accepts and, where the output is determined by the input, a theorem that
every function meeting the spec equals the reference (kept with the problem, not in the dump).

## What is in it, and what is not

- Only verdicts of checker `{checker_version}` (the current one): earlier verdicts may have been
  reached by a weaker checker. `JUDGE_ERROR` (the judge's own failures) is left out.
- Solutions and submissions only of problems published at least
  {settings.ARENA_DATASET_EMBARGO_DAYS} days before the dump, so no dump shows a solution the site
  still hides. Draft and retired problems, and problems without a licence that allows
  redistribution, are left out with their submissions; so are submissions made before the
  author accepted a site licence.
- `author` is the public username, or an anonymised id (`anon-…`) for authors who opted out;
  `author_kind` is `human` or `machine`, with `model_name` for machines. No e-mail address,
  password, token, IP address, reference solution or hidden test is in any file.
- Receipts on every solution row: `problem_fingerprint` (the SHA-256 of the statement judged
  against, which the row carries: `imports`, `preamble`, `definitions`, `theorems`),
  `lean_version`, `checker_version`, `verdict_time`, and `axioms` (null while the judge's record
  lists no axioms).

## Runs and pass@k

A bot sends k or more attempts per problem of a run's set; the site scores the run by pass@j
for j = 1 … k. Each `runs` row carries, per problem of its set, `judged` (n: attempts with a
verdict, `JUDGE_ERROR` never counted) and `accepted` (c), as the site counted them. A problem's

    pass@j = 1 - C(n - c, j) / C(n, j)      (defined when n >= j; Chen et al., 2021)

and the run's pass@j is the mean over its problems, defined once every problem has n >= j.
The attempts themselves are the `submissions` rows whose `run` is the run's `id` (`batch`
names the batch an attempt came in). They give the same n and c, except for attempts this dump
leaves out (problems under embargo or without a redistributable licence, older checkers):
the counts in `runs` cover those too.

```python
import math
from datasets import load_dataset
run = load_dataset("path/to/{name}", "runs", split="train")[0]
def pass_at(n, c, j): return 1 - math.comb(n - c, j) / math.comb(n, j)
print([sum(pass_at(p["judged"], p["accepted"], j) for p in run["problems"]) / len(run["problems"])
       for j in range(1, run["k"] + 1)])
```

## Loading

```python
from datasets import load_dataset
solutions = load_dataset("path/to/{name}", "solutions", split="train")
```

## Verifying

`sha256sum -c SHA256SUMS` checks every file. With the Arena's code and its judge,
`python manage.py verify_dataset path/to/{name} --sample 20` re-judges a sample of rows and
reports any verdict that disagrees.
"""
