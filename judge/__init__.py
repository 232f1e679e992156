"""The judge: runs Lean in a sandbox and turns its output into a trusted verdict.

A library with no database: the site calls `judge.pipeline.judge_submission` and stores what it returns.
"""
