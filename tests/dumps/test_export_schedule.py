"""The beat task and export_dataset --if-changed make a dump only when its rows could differ."""

from __future__ import annotations

from django.core.management import call_command

from dumps.models import DatasetDump
from dumps.tasks import export_dataset_task
from tests.site.conftest import GOOD_CODE


def test_the_task_dumps_then_skips_until_something_changes(make, solver, settings):
    problem = make.problem("open-problem")
    make.submission(user=solver, problem=problem)
    export_dataset_task()
    assert DatasetDump.objects.count() == 1
    export_dataset_task()
    assert DatasetDump.objects.count() == 1
    make.submission(user=solver, problem=problem, code="-- another\n" + GOOD_CODE)
    export_dataset_task()
    assert list(DatasetDump.objects.values_list("counts__solutions", flat=True)) == [2, 1]


def test_the_command_prints_where_the_dump_is(make, solver, capsys, dump_dir):
    make.submission(user=solver, problem=make.problem("open-problem"))
    call_command("export_dataset")
    out = capsys.readouterr().out
    dump = DatasetDump.objects.get()
    assert f"{dump.name}: 1 problems, 1 solutions, 1 submissions" in out
    assert str(dump_dir / dump.archive_name) in out and dump.archive_sha256 in out
    call_command("export_dataset", "--if-changed")
    assert "nothing changed" in capsys.readouterr().out


def test_the_beat_schedule_runs_the_task():
    from arena.celery import app

    assert app.conf.beat_schedule["export-dataset"]["task"] == "dumps.tasks.export_dataset_task"
