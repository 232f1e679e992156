"""The columns of each dump file, as one Arrow schema per file: JSONL, Parquet and the card's
`features` all follow from it, so the three can never disagree."""

from __future__ import annotations

import pyarrow as pa

_THEOREM = pa.struct([("name", pa.string()), ("signature", pa.string())])
_STATEMENT = [
    ("imports", pa.list_(pa.string())),
    ("preamble", pa.string()),
    ("definitions", pa.list_(pa.string())),
    ("theorems", pa.list_(_THEOREM)),
]

PROBLEM_SCHEMA = pa.schema(
    [
        ("slug", pa.string()),
        ("title", pa.string()),
        ("description", pa.string()),
        ("version", pa.int64()),
        ("fingerprint", pa.string()),
        *_STATEMENT,
        ("template", pa.string()),
        ("difficulty", pa.string()),
        ("tags", pa.list_(pa.string())),
        ("licence", pa.string()),
        ("source", pa.string()),
        ("published_at", pa.string()),
    ]
)

# solutions.jsonl and submissions.jsonl share one row shape: the statement the code was judged
# against travels with it, so every row can be re-judged from the dump alone.
SUBMISSION_SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("problem", pa.string()),
        ("problem_version", pa.int64()),
        ("problem_fingerprint", pa.string()),
        *_STATEMENT,
        ("code", pa.string()),
        ("verdict", pa.string()),
        ("author", pa.string()),
        ("author_kind", pa.string()),
        ("model_name", pa.string()),
        ("licence", pa.string()),
        ("licence_version", pa.string()),
        ("problem_licence", pa.string()),
        ("lean_version", pa.string()),
        ("checker_version", pa.string()),
        # null when the verdict's record lists no axioms (see the card)
        ("axioms", pa.list_(pa.string())),
        ("theorem_results", pa.list_(pa.struct([("name", pa.string()), ("status", pa.string())]))),
        (
            "reasons",
            pa.list_(pa.struct([("code", pa.string()), ("declaration", pa.string()), ("detail", pa.string())])),
        ),
        (
            "messages",
            pa.list_(
                pa.struct(
                    [
                        ("severity", pa.string()),
                        ("line", pa.int64()),
                        ("column", pa.int64()),
                        ("end_line", pa.int64()),
                        ("end_column", pa.int64()),
                        ("text", pa.string()),
                    ]
                )
            ),
        ),
        ("time_ms", pa.int64()),
        ("verdict_time", pa.string()),
        ("submitted_at", pa.string()),
        # a bot's attempt within a run (runs.id) or a batch: null for everything else
        ("run", pa.int64()),
        ("batch", pa.int64()),
    ]
)

# One row per bot run: its k and, per problem of its set, the attempts as the site counted them
# (n judged, c accepted; JUDGE_ERROR never counted), so pass@1 … pass@k is rebuilt from the dump
# (the card gives the formula). The run's attempts are the submission rows with `run` = `id`.
RUN_SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("name", pa.string()),
        ("model_name", pa.string()),
        ("author", pa.string()),
        ("k", pa.int64()),
        ("created_at", pa.string()),
        (
            "problems",
            pa.list_(
                pa.struct(
                    [
                        ("problem", pa.string()),
                        ("attempts", pa.int64()),
                        ("judged", pa.int64()),
                        ("accepted", pa.int64()),
                    ]
                )
            ),
        ),
    ]
)

SCHEMAS = {
    "problems": PROBLEM_SCHEMA,
    "solutions": SUBMISSION_SCHEMA,
    "submissions": SUBMISSION_SCHEMA,
    "runs": RUN_SCHEMA,
}


def features_yaml(schema: pa.Schema) -> list[dict]:
    """The card's `features` for schema, in the form the Hugging Face hub reads."""
    return [_feature(field.type) | {"name": field.name} for field in schema]


def _feature(arrow_type: pa.DataType) -> dict:
    if pa.types.is_list(arrow_type):
        inner = arrow_type.value_type
        if pa.types.is_struct(inner):
            return {"list": [_feature(f.type) | {"name": f.name} for f in inner]}
        return {"list": _feature(inner)["dtype"]}
    if pa.types.is_string(arrow_type):
        return {"dtype": "string"}
    if pa.types.is_int64(arrow_type):
        return {"dtype": "int64"}
    raise TypeError(f"no card feature for {arrow_type}")
