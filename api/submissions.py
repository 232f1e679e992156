"""JSON for bots: submit code, then poll the submission until its status is finished."""

from django.core.exceptions import ValidationError
from django.http import Http404
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes, throttle_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle

from problems.models import Problem
from problems.selectors import problem_get_published
from submissions.models import Submission
from submissions.selectors import submission_get_visible, submission_list_for_user
from submissions.services import InFlightLimitExceeded, submission_create


class SubmissionInput(serializers.Serializer):
    problem = serializers.SlugField()
    # Size is checked by the service, in UTF-8 bytes.
    code = serializers.CharField(trim_whitespace=False)


class SubmissionOutput(serializers.ModelSerializer):
    problem = serializers.CharField(source="problem_version.problem.slug")
    problem_version = serializers.IntegerField(source="problem_version.number")

    class Meta:
        model = Submission
        fields = [
            "id",
            "problem",
            "problem_version",
            "status",
            "verdict",
            "result",
            "attempts",
            "lean_version",
            "checker_version",
            "created_at",
            "finished_at",
        ]


class SubmissionCreateThrottle(UserRateThrottle):
    """How fast one account may submit (ARENA_SUBMISSION_RATE); reading is not limited."""

    scope = "submissions"

    def allow_request(self, request, view) -> bool:
        return request.method != "POST" or super().allow_request(request, view)


@api_view(["GET", "POST"])
@permission_classes([IsAuthenticated])
@throttle_classes([SubmissionCreateThrottle])
def submission_list_api(request: Request) -> Response:
    if request.method == "GET":
        submissions = submission_list_for_user(user=request.user)[:100]
        return Response(SubmissionOutput(submissions, many=True).data)
    data = SubmissionInput(data=request.data)
    data.is_valid(raise_exception=True)
    try:
        problem = problem_get_published(slug=data.validated_data["problem"])
    except Problem.DoesNotExist:
        return Response({"problem": ["No such problem."]}, status=status.HTTP_400_BAD_REQUEST)
    try:
        submission = submission_create(
            user=request.user, problem=problem, code=data.validated_data["code"], **_authorship(request)
        )
    except InFlightLimitExceeded as exc:
        body = {"code": InFlightLimitExceeded.code, "detail": exc.message}
        return Response(body, status=status.HTTP_429_TOO_MANY_REQUESTS)
    except ValidationError as exc:
        return Response({"code": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
    return Response(SubmissionOutput(submission).data, status=status.HTTP_201_CREATED)


def _authorship(request: Request) -> dict[str, str]:
    # A bot token of the v1 API marks its submissions as a machine's here too.
    from bots.models import ApiToken
    from bots.services import authorship

    return authorship(token=request.auth if isinstance(request.auth, ApiToken) else None)


@api_view(["GET"])
@permission_classes([IsAuthenticated])
def submission_detail_api(request: Request, submission_id: int) -> Response:
    try:
        submission = submission_get_visible(submission_id=submission_id, user=request.user)
    except Submission.DoesNotExist as exc:
        raise Http404("No such submission.") from exc
    return Response(SubmissionOutput(submission).data)
