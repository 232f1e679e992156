"""The v1 JSON API for bots (/api/v1/): thin views over bots.services and bots.selectors."""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import sign_in_limits
from accounts.throttling import client_ip
from api import serializers
from api.problems import ProposalOutput, ProposalThrottle, proposal_create
from api.throttling import PerIpThrottle, PerUserThrottle, SubmissionThrottle
from bots import selectors, services
from bots.models import ApiToken, Batch, Run
from problems.models import Problem
from problems.selectors import problem_get_published, problem_get_visible, problem_list_published
from submissions import checks
from submissions.models import Check, Submission, SubmissionStatus
from submissions.services import InFlightLimitExceeded

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Retry-safe POST: the same key returns the first answer; the same key with another body is 422.",
)


class Unprocessable(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was used with another request."
    default_code = "idempotency_key_reused"


class TooManyInFlight(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "too_many_in_flight"

    def __init__(self, exc: InFlightLimitExceeded) -> None:
        super().__init__(detail=exc.message, code=self.default_code)


def _token(request: Request) -> ApiToken | None:
    return request.auth if isinstance(request.auth, ApiToken) else None


def _query(serializer_class, request: Request) -> dict:
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


def _as_drf_error(exc: DjangoValidationError) -> exceptions.ValidationError:
    return exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"code": exc.messages})


def _own_run(request: Request, run_id: int | None) -> Run | None:
    if run_id is None:
        return None
    run = Run.objects.filter(pk=run_id, user=request.user).first()
    if run is None:
        raise exceptions.ValidationError({"run": ["No such run of yours."]})
    return run


def _idempotent(request: Request, create) -> Response:
    """create() -> (status, body); replayed under the request's Idempotency-Key if it has one."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        code, body = create()
        return Response(body, status=code)
    if len(key) > 200:
        raise exceptions.ValidationError({"Idempotency-Key": ["At most 200 characters."]})
    fingerprint = services.request_fingerprint(method=request.method, path=request.path, data=request.data)
    try:
        code, body, replayed = services.idempotent_call(
            user=request.user, key=key, fingerprint=fingerprint, create=create
        )
    except services.IdempotencyConflict as exc:
        raise Unprocessable() from exc
    response = Response(body, status=code)
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response


class V1View(APIView):
    throttle_classes = [PerIpThrottle, PerUserThrottle]


# --- Problems -------------------------------------------------------------------------------


class ProblemPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100


class ProblemListView(V1View, generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = serializers.ProblemListOutput
    pagination_class = ProblemPagination

    def get_queryset(self):
        token = _token(self.request)
        problems = selectors.problem_list_filtered(
            user=self.request.user,
            bot_model=token.model_name if token is not None and token.is_machine else "",
            **_query(serializers.ProblemFilters, self.request),
        )
        # the listed columns only: a problem's statement, tests and reference are wide JSON and text
        computed = {"url", "judgeable", "needs"}
        return problems.only(*(name for name in self.serializer_class.Meta.fields if name not in computed))

    @extend_schema(parameters=[serializers.ProblemFilters])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="problems_propose",
        summary="Propose a problem",
        description=(
            "A problem in the problem format (judge/problem_format.py: slug, title, description, "
            "statement, definitions, theorems, tests, …) plus an optional `import_profile`. Stored as a "
            "draft, validated by the judge, published by a maintainer; follow it at "
            "/api/v1/proposals/{slug}/."
        ),
        request=OpenApiTypes.OBJECT,
        responses={201: ProposalOutput},
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        # a problem proposal (issue 17): after this view's throttles, a signed-in account and
        # the proposals' own throttle (each proposal costs Lean runs)
        if not IsAuthenticated().has_permission(request, self):
            self.permission_denied(request)
        throttle = ProposalThrottle()
        if not throttle.allow_request(request, self):
            self.throttled(request, throttle.wait())
        return proposal_create(request)


class ProblemDetailView(V1View):
    permission_classes = [AllowAny]

    @extend_schema(responses=serializers.ProblemDetailOutput)
    def get(self, request: Request, slug: str) -> Response:
        try:
            problem = problem_get_published(slug=slug)
        except Problem.DoesNotExist as exc:
            raise Http404("No such problem.") from exc
        statistics = selectors.problem_statistics(problem=problem)
        return Response(serializers.ProblemDetailOutput(problem, context={"statistics": statistics}).data)


# --- Submissions ----------------------------------------------------------------------------


class SubmissionPagination(CursorPagination):
    # A cursor, not page numbers: no COUNT over a bot's thousands of rows, stable while new arrive.
    ordering = "-created_at"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def _published_problem(slug: str) -> Problem:
    try:
        return problem_get_published(slug=slug)
    except Problem.DoesNotExist as exc:
        raise exceptions.ValidationError({"problem": ["No such problem."]}) from exc


class SubmissionListCreateView(V1View, generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [PerIpThrottle, PerUserThrottle, SubmissionThrottle]
    serializer_class = serializers.SubmissionOutput
    pagination_class = SubmissionPagination

    def get_queryset(self):
        return selectors.api_submission_list(
            user=self.request.user, **_query(serializers.SubmissionFilters, self.request)
        )

    @extend_schema(parameters=[serializers.SubmissionFilters])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=serializers.SubmissionInput,
        responses={202: serializers.SubmissionOutput},
        parameters=[IDEMPOTENCY_HEADER],
    )
    def post(self, request: Request) -> Response:
        def create() -> tuple[int, dict]:
            data = serializers.SubmissionInput(data=request.data)
            data.is_valid(raise_exception=True)
            fields = data.validated_data
            submission_request = services.SubmissionRequest(
                problem=_published_problem(fields["problem"]), code=fields["code"], callback_url=fields["callback_url"]
            )
            try:
                submission = services.api_submission_create(
                    user=request.user,
                    token=_token(request),
                    request=submission_request,
                    run=_own_run(request, fields["run"]),
                )
            except InFlightLimitExceeded as exc:
                raise TooManyInFlight(exc) from exc
            except DjangoValidationError as exc:
                raise _as_drf_error(exc) from exc
            return status.HTTP_202_ACCEPTED, serializers.SubmissionOutput(submission).data

        return _idempotent(request, create)


# Waiting requests hold a thread each: at most this many per process, so waiting clients never
# take every thread from the ones polling. Past it, ?wait answers at once (poll instead).
_waiters = threading.BoundedSemaphore(settings.ARENA_API_MAX_WAITERS_PER_PROCESS)


def _wait_for_verdict(submission_id: int, seconds: float) -> None:
    if seconds <= 0 or not _waiters.acquire(blocking=False):
        return
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if selectors.submission_status_now(submission_id=submission_id) == SubmissionStatus.FINISHED:
                return
            time.sleep(min(0.25, max(deadline - time.monotonic(), 0)))
    finally:
        _waiters.release()


class SubmissionDetailView(V1View):
    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[serializers.WaitInput], responses=serializers.SubmissionDetailOutput)
    def get(self, request: Request, submission_id: int) -> Response:
        wait = min(_query(serializers.WaitInput, request)["wait"], settings.ARENA_API_MAX_WAIT_SECONDS)
        try:
            submission = selectors.api_submission_get(submission_id=submission_id, user=request.user)
        except Submission.DoesNotExist as exc:
            raise Http404("No such submission.") from exc
        if submission.is_pending and wait > 0:
            _wait_for_verdict(submission.pk, wait)
            submission = selectors.api_submission_get(submission_id=submission_id, user=request.user)
        return Response(serializers.SubmissionDetailOutput(submission).data)


# --- Checks (issue 27): the proof state, never a verdict -------------------------------------


class CheckInFlightError(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "check_in_flight"


def _check_answer(check: Check) -> Response:
    body = serializers.CheckOutput(checks.check_view(check)).data
    if check.is_pending:
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["status_url"]})
    return Response(body)


class CheckCreateView(V1View):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="check_create",
        summary="Check code against a problem (Lean's proof state, not a verdict)",
        description=(
            "Lean elaborates the file against the problem as a judging would, and answers its messages, each "
            "`sorry` with its goal, the goals before and after every tactic and the theorems still open. Nothing "
            "is stored as a submission: only a submission gets a verdict. Answered `200` within a few seconds "
            "(ARENA_CHECK_WAIT_SECONDS), else `202` with an `id` to poll at `status_url`. One check in flight "
            "per account (`429` `check_in_flight`), and ARENA_CHECK_RATE checks per account, shared with the "
            "site's editor and form (`429` `throttled`)."
        ),
        request=serializers.CheckInput,
        responses={200: serializers.CheckOutput, 202: serializers.CheckOutput},
    )
    def post(self, request: Request) -> Response:
        data = serializers.CheckInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            problem = problem_get_visible(slug=data.validated_data["problem"], user=request.user)
        except Problem.DoesNotExist as exc:
            raise exceptions.ValidationError({"problem": ["No such problem."]}) from exc
        try:
            check = checks.check_create(user=request.user, problem=problem, code=data.validated_data["code"])
        except checks.CheckRateLimited as exc:
            raise exceptions.Throttled(wait=exc.wait, detail=str(exc)) from exc
        except checks.CheckInFlight as exc:
            url = reverse("api-v1-check-detail", args=[exc.check.token])
            raise CheckInFlightError(detail=f"{exc} It is {url}.") from exc
        except DjangoValidationError as exc:
            raise _as_drf_error(exc) from exc
        return _check_answer(checks.check_wait(check=check, seconds=settings.ARENA_CHECK_WAIT_SECONDS))


class CheckDetailView(V1View):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="check_retrieve",
        parameters=[serializers.WaitInput],
        responses={200: serializers.CheckOutput, 202: serializers.CheckOutput},
    )
    def get(self, request: Request, token: str) -> Response:
        wait = min(_query(serializers.WaitInput, request)["wait"], settings.ARENA_API_MAX_WAIT_SECONDS)
        try:
            check = checks.check_get(token=token, user=request.user)
        except Check.DoesNotExist as exc:
            raise Http404("No such check of yours.") from exc
        return _check_answer(checks.check_wait(check=check, seconds=wait))


class BatchCreateView(V1View):
    permission_classes = [IsAuthenticated]
    throttle_classes = [PerIpThrottle, PerUserThrottle, SubmissionThrottle]

    @staticmethod
    def submission_count(request: Request) -> int:
        items = request.data.get("submissions") if isinstance(request.data, dict) else None
        return min(len(items), settings.ARENA_API_BATCH_MAX_ITEMS) if isinstance(items, list) else 1

    @extend_schema(
        request=serializers.BatchInput, responses={202: serializers.BatchOutput}, parameters=[IDEMPOTENCY_HEADER]
    )
    def post(self, request: Request) -> Response:
        def create() -> tuple[int, dict]:
            data = serializers.BatchInput(data=request.data)
            data.is_valid(raise_exception=True)
            fields = data.validated_data
            slugs = {item["problem"] for item in fields["submissions"]}
            problems = {p.slug: p for p in problem_list_published().filter(slug__in=slugs)}
            unknown = [
                {} if item["problem"] in problems else {"problem": ["No such problem."]}
                for item in fields["submissions"]
            ]
            if any(unknown):
                raise exceptions.ValidationError({"submissions": unknown})
            requests = [
                services.SubmissionRequest(
                    problem=problems[item["problem"]], code=item["code"], callback_url=item["callback_url"]
                )
                for item in fields["submissions"]
            ]
            try:
                batch = services.batch_create(
                    user=request.user,
                    token=_token(request),
                    requests=requests,
                    run=_own_run(request, fields["run"]),
                    callback_url=fields["callback_url"],
                )
            except services.BatchInvalid as exc:
                raise exceptions.ValidationError({"submissions": exc.errors}) from exc
            except InFlightLimitExceeded as exc:
                raise TooManyInFlight(exc) from exc
            except DjangoValidationError as exc:
                raise _as_drf_error(exc) from exc
            return status.HTTP_202_ACCEPTED, serializers.BatchOutput(batch).data

        return _idempotent(request, create)


class BatchDetailView(V1View):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=serializers.BatchOutput)
    def get(self, request: Request, batch_id: int) -> Response:
        try:
            batch = selectors.batch_get(batch_id=batch_id, user=request.user)
        except Batch.DoesNotExist as exc:
            raise Http404("No such batch.") from exc
        return Response(serializers.BatchOutput(batch).data)


# --- Tokens ---------------------------------------------------------------------------------


class TokenListCreateView(V1View):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=serializers.TokenOutput(many=True))
    def get(self, request: Request) -> Response:
        return Response(serializers.TokenOutput(selectors.token_list_for_user(user=request.user), many=True).data)

    @extend_schema(request=serializers.TokenInput, responses={201: serializers.NewTokenOutput})
    def post(self, request: Request) -> Response:
        data = serializers.TokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            new = services.token_create(user=request.user, **data.validated_data)
        except DjangoValidationError as exc:
            raise _as_drf_error(exc) from exc
        body = dict(serializers.TokenOutput(new.token).data, key=new.key, webhook_secret=new.webhook_secret)
        return Response(body, status=status.HTTP_201_CREATED)


class TokenSignInView(V1View):
    """POST a username and password, get a token: a bot's first token without a browser session.
    Limited exactly like the sign-in form (per account and address, then per address), and a
    wrong password counts against the same limits."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(request=serializers.TokenSignInInput, responses={201: serializers.NewTokenOutput})
    def post(self, request: Request) -> Response:
        data = serializers.TokenSignInInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        username, password = fields.pop("username"), fields.pop("password")
        ip = client_ip(request)
        wait = sign_in_limits.sign_in_retry_after(username=username, ip=ip)
        if wait:
            raise exceptions.Throttled(wait=wait, detail="Too many failed sign-ins from your address.")
        user = authenticate(request._request, username=username, password=password)
        if user is None:
            sign_in_limits.sign_in_failed(username=username, ip=ip)
            raise exceptions.ValidationError({"password": ["Wrong username or password."]})
        sign_in_limits.sign_in_succeeded(username=username, ip=ip)
        try:
            new = services.token_create(user=user, **fields)
        except DjangoValidationError as exc:
            raise _as_drf_error(exc) from exc
        body = dict(serializers.TokenOutput(new.token).data, key=new.key, webhook_secret=new.webhook_secret)
        return Response(body, status=status.HTTP_201_CREATED)


class TokenRevokeView(V1View):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, token_id: int) -> Response:
        if not services.token_revoke(user=request.user, token_id=token_id):
            raise Http404("No such active token of yours.")
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Webhook deliveries ---------------------------------------------------------------------


class DeliveryListView(V1View, generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = serializers.WebhookDeliveryOutput
    pagination_class = SubmissionPagination

    def get_queryset(self):
        return selectors.delivery_list_for_user(
            user=self.request.user, submission_id=_query(serializers.DeliveryFilters, self.request)["submission"]
        )

    @extend_schema(parameters=[serializers.DeliveryFilters])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


# --- Runs -----------------------------------------------------------------------------------


class RunListCreateView(V1View):
    """GET: the public leaderboard of runs. POST: open a run (a token or a session)."""

    @extend_schema(responses=serializers.RunOutput(many=True))
    def get(self, request: Request) -> Response:
        return Response(serializers.RunOutput(selectors.run_leaderboard(), many=True).data)

    @extend_schema(request=serializers.RunInput, responses={201: serializers.RunDetailOutput})
    def post(self, request: Request) -> Response:
        data = serializers.RunInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        published = problem_list_published()
        if "problems" in fields:
            wanted = set(fields["problems"])
            problems = list(published.filter(slug__in=wanted))
            unknown = sorted(wanted - {p.slug for p in problems})
            if unknown:
                raise exceptions.ValidationError({"problems": [f"No such problem: {', '.join(unknown)}."]})
        else:
            problems = list(published)
        try:
            run = services.run_create(
                user=request.user,
                token=_token(request),
                model_name=fields["model_name"],
                k=fields["k"],
                name=fields["name"],
                problems=problems,
            )
        except DjangoValidationError as exc:
            raise _as_drf_error(exc) from exc
        (score,) = selectors.run_scores([run], with_checks=True)
        return Response(serializers.RunDetailOutput(score).data, status=status.HTTP_201_CREATED)


class RunDetailView(V1View):
    permission_classes = [AllowAny]

    @extend_schema(responses=serializers.RunDetailOutput)
    def get(self, request: Request, run_id: int) -> Response:
        run = Run.objects.select_related("user").filter(pk=run_id).first()
        if run is None:
            raise Http404("No such run.")
        (score,) = selectors.run_scores([run], with_checks=True)
        return Response(serializers.RunDetailOutput(score).data)
