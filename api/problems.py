"""Read-only JSON for bots: the problems and their statements."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle

from problems.models import Problem
from problems.profiles import profile_get
from problems.selectors import (
    problem_get_published,
    problem_get_visible,
    problem_latest_version,
    problem_list_published,
    problem_validation_current,
)
from problems.services import problem_propose


class JudgeableFields(serializers.Serializer):
    """Whether this site's configured import profiles can judge the problem, and if not what it needs."""

    judgeable = serializers.SerializerMethodField(help_text="False: submissions are refused on this site.")
    needs = serializers.SerializerMethodField(help_text="Modules no worker of this site has (empty if judgeable).")

    def get_judgeable(self, problem: Problem) -> bool:
        return profile_get(problem.import_profile).served

    def get_needs(self, problem: Problem) -> list[str]:
        return profile_get(problem.import_profile).missing_modules


class ProblemListOutput(serializers.ModelSerializer):
    class Meta:
        model = Problem
        fields = ["slug", "title", "difficulty", "tags"]


class ProblemDetailOutput(JudgeableFields, serializers.ModelSerializer):
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
            "import_profile",
            "judgeable",
            "needs",
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


# --- Proposals (POST /api/v1/problems/) --------------------------------------------------------


class ProposalThrottle(UserRateThrottle):
    """How fast one account may propose (ARENA_PROPOSAL_RATE): each proposal costs Lean runs."""

    scope = "proposals"


class ProposalOutput(JudgeableFields, serializers.ModelSerializer):
    """A proposal as its author sees it: never the reference solution."""

    validation = serializers.SerializerMethodField()

    class Meta:
        model = Problem
        fields = ["slug", "title", "status", "import_profile", "needs", "validation"]

    def get_validation(self, problem: Problem) -> dict | None:
        validation = problem_validation_current(problem=problem)
        if validation is None:
            return None
        return {"status": validation.status, "checks": validation.checks}


def proposal_create(request: Request) -> Response:
    """A bot's proposal (POST /api/v1/problems/, api.views.ProblemListView.post, which checks the
    account and ProposalThrottle first): the problem format (judge/problem_format.py) plus an
    optional `import_profile`; stored as a draft, validated by the judge, published by a maintainer."""
    try:
        body = request.data
    except RequestDataTooBig:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return Response({"detail": f"the request is larger than {limit:,} bytes", "code": "too_large"}, status=400)
    if not isinstance(body, dict):
        return Response({"detail": "send a JSON object in the problem format"}, status=400)
    data = dict(body.items())
    try:
        problem = problem_propose(author=request.user, data=data)
    except ValidationError as exc:
        first = exc.error_list[0] if hasattr(exc, "error_list") else exc  # every defect, the first's code
        return Response({"detail": "; ".join(exc.messages), "code": getattr(first, "code", None)}, status=400)
    return Response(ProposalOutput(problem).data, status=201)


@extend_schema(responses=OpenApiTypes.OBJECT, description="A proposal's validation report.")
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def proposal_detail_api(request: Request, slug: str) -> Response:
    """A proposal's state and its validation report, point by point (author and maintainers)."""
    try:
        problem = problem_get_visible(slug=slug, user=request.user)
    except Problem.DoesNotExist as exc:
        raise Http404("No such problem.") from exc
    if not (request.user.is_staff or problem.author_id == request.user.pk):
        raise Http404("No such problem.")
    return Response(ProposalOutput(problem).data)
