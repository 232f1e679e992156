"""Read-only JSON for bots: the problems and their statements."""

from django.http import Http404
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from problems.models import Problem
from problems.selectors import problem_get_published, problem_latest_version, problem_list_published


class ProblemListOutput(serializers.ModelSerializer):
    class Meta:
        model = Problem
        fields = ["slug", "title", "difficulty", "tags"]


class ProblemDetailOutput(serializers.ModelSerializer):
    version = serializers.SerializerMethodField()
    template = serializers.SerializerMethodField()

    class Meta:
        model = Problem
        fields = [
            "slug",
            "title",
            "description",
            "difficulty",
            "tags",
            "imports",
            "preamble",
            "definitions",
            "theorems",
            "version",
            "template",
        ]

    def get_version(self, problem: Problem) -> int | None:
        version = problem_latest_version(problem=problem)
        return version.number if version else None

    def get_template(self, problem: Problem) -> str:
        return problem.to_spec().template()


@api_view(["GET"])
@permission_classes([AllowAny])
def problem_list_api(request: Request) -> Response:
    return Response(ProblemListOutput(problem_list_published(), many=True).data)


@api_view(["GET"])
@permission_classes([AllowAny])
def problem_detail_api(request: Request, slug: str) -> Response:
    try:
        problem = problem_get_published(slug=slug)
    except Problem.DoesNotExist as exc:
        raise Http404("No such problem.") from exc
    return Response(ProblemDetailOutput(problem).data)
