"""The read-only code view marks Lean's messages at their line and column, counted as Lean
counts them (code points: a 𝔽 before the error is one column, not two UTF-16 units)."""

from __future__ import annotations

from submissions.code_view import Segment, annotated_lines
from submissions.services import submission_create, submission_judge
from tests.site.judge_doubles import compile_error


def message(line, column, end_line=None, end_column=None, severity="error"):
    return {
        "severity": severity,
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
        "text": "boom",
    }


def test_columns_are_code_points():
    lines = annotated_lines("x\n𝔽𝔽 := oops here", [message(2, 6, 2, 10)])
    assert lines[1].segments == [Segment("𝔽𝔽 := "), Segment("oops", "error"), Segment(" here")]
    assert lines[1].messages[0]["text"] == "boom" and lines[0].messages == []


def test_a_message_over_several_lines_marks_each():
    lines = annotated_lines("ab\ncd\nef", [message(1, 1, 3, 1)])
    assert [line.segments for line in lines] == [
        [Segment("a"), Segment("b", "error")],
        [Segment("cd", "error")],
        [Segment("e", "error"), Segment("f")],
    ]


def test_a_point_at_the_end_of_a_line_is_still_visible():
    lines = annotated_lines("abc", [message(1, 3)])
    assert lines[0].segments[-1] == Segment(" ", "error")


def test_out_of_range_and_malformed_messages_are_ignored():
    lines = annotated_lines("abc", [message(7, 0), {"line": "1"}, "junk", message(1, 99)])
    assert [s.text for s in lines[0].segments][:1] == ["abc"]


def test_the_submission_page_marks_the_error_after_a_double_struck_letter(
    signed_in, user, problem, enqueued, judge_double
):
    code = "def solveAdd (a b : Int) : Int :=\n  b - a\n\n𝔽x oops\n"
    submission = submission_create(user=user, problem=problem, code=code)
    judge_double.script.append(compile_error(problem.to_spec()))  # line 4, columns 2 to 6
    submission_judge(submission_id=submission.pk, worker="w")
    html = signed_in.get(submission.get_absolute_url()).content.decode()
    marked = "𝔽x oops"[2:6]  # " oop": counted in UTF-16 units it would be "x oo"
    assert f'<mark class="diag diag-error" title="error">{marked}</mark>' in html
