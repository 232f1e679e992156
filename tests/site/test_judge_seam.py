"""The site finds its judge in one place (judge.seam.site_judge) and only a SiteJudge will do."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from judge import pipeline
from judge.seam import SiteJudge, site_judge
from tests.site import judge_doubles


def test_the_real_judge_and_the_doubles_are_site_judges():
    assert isinstance(pipeline.judge_submission, SiteJudge)
    assert pipeline.judge_submission.checker_version == pipeline.CHECKER_VERSION
    for double in judge_doubles.SEAM_CHECKED:
        assert isinstance(double, SiteJudge)


def test_the_setting_names_the_judge(settings):
    settings.ARENA_JUDGE = "tests.site.judge_doubles.sleeping_judge_double"
    assert site_judge() is judge_doubles.sleeping_judge_double
    settings.ARENA_JUDGE = "judge.pipeline.judge_submission"
    assert site_judge() is pipeline.judge_submission


def test_a_bare_function_is_refused_by_name(settings):
    settings.ARENA_JUDGE = "tests.site.judge_doubles.accepted"
    with pytest.raises(ImproperlyConfigured, match="tests.site.judge_doubles.accepted"):
        site_judge()
