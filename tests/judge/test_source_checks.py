"""What the judge refuses before Lean runs."""

import pytest

from judge.source_checks import MAX_CODE_BYTES, check_source


def codes(code, imports=()):
    return [r.code for r in check_source(code, list(imports))]


def test_an_ordinary_file_passes():
    assert codes("import Std\n-- uses extern? no\ndef f (p : Nat × Nat) := p\n", ["Std"]) == []


def test_size_is_counted_in_utf8_bytes():
    assert codes("α" * (MAX_CODE_BYTES // 2)) == []
    assert codes("α" * (MAX_CODE_BYTES // 2 + 1)) == ["CODE_TOO_LARGE"]


def test_nul_bytes_and_invalid_utf8():
    assert codes(b"def f := 1\x00") == ["NUL_BYTE"]
    assert codes(b"def f := \xff") == ["INVALID_UTF8"]


@pytest.mark.parametrize("code", ["prelude\nimport Init.Prelude\n", "/- header -/ prelude\n", "  prelude"])
def test_prelude(code):
    assert "PRELUDE" in codes(code)


def test_prelude_in_a_comment_or_string_is_not_one():
    assert codes('-- prelude\n/- prelude -/\ndef s := "prelude"\n') == []


def test_imports_beyond_the_problems():
    assert codes("import Lean\n") == ["FORBIDDEN_IMPORT"]
    assert codes("import Std.Data\n", ["Std.Data"]) == []


@pytest.mark.parametrize(
    "code",
    [
        "@[implemented_by g] def f := 1",
        '@[simp, extern "c_f"] def f := 1',
        '@[«extern» "c_f"] def f := 1',
        "attribute [export c_f] f",
        "@[inline,\n  implemented_by g] def f := 1",
    ],
)
def test_forbidden_attributes_in_any_spelling(code):
    assert "FORBIDDEN_ATTRIBUTE" in codes(code)


def test_the_same_words_outside_attributes_are_fine():
    assert codes("def extern_count := 1\n@[simp] theorem t (export_ok : Nat) : export_ok = export_ok := rfl\n") == []


@pytest.mark.parametrize(
    "header", ["public import Lean", "meta import Lean", "import all Lean", "public meta import Lean"]
)
def test_every_import_form_is_checked(header):
    assert [r.code for r in check_source(header + "\n", [])] == ["FORBIDDEN_IMPORT"]
