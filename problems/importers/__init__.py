"""Readers for public problem sets: each turns files into candidates in the problem format.

A reader never touches the database: it returns candidates (with the quirks it noticed, to be
reported) and rejections (with reasons). A file it cannot read at all raises ImportFileError,
and then nothing is imported. problems.services.problems_import stores the candidates.
"""

from problems.importers.base import Candidate, ImportFileError, ReadResult, Rejection

__all__ = ["Candidate", "ImportFileError", "Rejection", "ReadResult", "READERS"]


def _readers():
    from problems.importers import arena, clever, codeproof, seed, verina

    return {
        "arena": arena.read,
        "codeproof": codeproof.read,
        "seed": seed.read,
        "clever": clever.read,
        "verina": verina.read,
    }


READERS = _readers
