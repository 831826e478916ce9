"""Property-based API tests: schemathesis drives every operation of /api/schema/ through the
WSGI app, as a partner (token) and as a caseworker (session), and checks that no answer is a
server error or breaks the documented schema. Bounded: 25 examples per operation."""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from alerts.api.throttling import PartnerRateThrottle, StaffRateThrottle
from alerts.models import FlagRule, Intervention, WorkItem
from alerts.services.catalogue import catalogue_load
from alerts.services.referrals import referral_payload_build
from dhs.models import PartnerToken
from dhs.wsgi import application
from tests.factories import AgreementFactory, HouseholdFactory, PartnerFactory, PersonFactory

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance,
          content_type_conformance]
CSRF = "a" * 32  # a CSRF secret set as cookie and header, as a browser would


def _load(*, tag: str, exclude: bool):
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    schema.config.generation.update(max_examples=25, with_security_parameters=False)
    return schema.exclude(tag=tag) if exclude else schema.include(tag=tag)


@pytest.fixture(autouse=True)
def _keep_test_connection() -> None:
    """The WSGI app would close the DB connection after each request (and with it the test's
    transaction on PostgreSQL); Django's own test client disconnects the same receivers."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def no_throttle(monkeypatch) -> None:  # noqa: ANN001
    rates = {"partner": "100000/min", "staff": "100000/min", "anon": "100000/min"}
    monkeypatch.setattr(PartnerRateThrottle, "THROTTLE_RATES", rates)
    monkeypatch.setattr(StaffRateThrottle, "THROTTLE_RATES", rates)


@pytest.fixture
def partner_token(db, office_a, no_throttle) -> str:  # noqa: ANN001
    """A partner that pushes eviction filings and receives referrals, with a few referrals."""
    from alerts.models import Referral
    catalogue_load()
    partner = PartnerFactory(code="st_partner", name="Schemathesis Legal Aid", kind="legal_aid")
    agreement = AgreementFactory(partner=partner, sources=["eviction_filings"],
                                 receives_referrals=True,
                                 referral_fields=["household_ref", "head_name", "phone"])
    intervention = Intervention.objects.create(code="st_help", name="Help", provider=partner)
    for _ in range(3):
        household = HouseholdFactory(office=office_a)
        PersonFactory(household=household, relationship="head")
        Referral.objects.create(household=household, intervention=intervention,
                                partner=partner, agreement=agreement,
                                payload=referral_payload_build(
                                    household=household, fields=agreement.referral_fields))
    return PartnerToken.issue(partner=partner, days=30)[1]


@pytest.fixture
def partner_api(partner_token):  # noqa: ANN001, ANN201
    return _load(tag="staff", exclude=True)


@pytest.fixture
def staff_cookies(alice, household_a, no_throttle) -> dict[str, str]:  # noqa: ANN001
    rule = FlagRule.objects.create(code="st_rule", name="Rule", severity="high")
    household_a.flags.create(rule=rule, severity="high", reason="r", evidence_key="k")
    WorkItem.objects.create(household=household_a, office=household_a.office, priority=0.5,
                            severity="high")
    client = Client()
    client.force_login(alice)
    return {"sessionid": client.cookies["sessionid"].value, "csrftoken": CSRF}


@pytest.fixture
def staff_api(staff_cookies):  # noqa: ANN001, ANN201
    return _load(tag="staff", exclude=False)


BOUNDED = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                   suppress_health_check=list(HealthCheck))


def run_all_operations(schema, call) -> list[str]:  # noqa: ANN001
    """Run `call(case)` on up to 25 positive and 25 negative examples of every operation.

    schemathesis's lazy pytest loader does not work with this pytest version, so hypothesis is
    driven directly; failures of every operation are collected, not only the first.
    """
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @BOUNDED
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case) -> None:  # noqa: ANN001
                call(case)

            try:
                check()
            except Unsatisfiable:
                continue  # no invalid value exists (e.g. a free-text path segment)
            except BaseException as exc:  # noqa: BLE001 - reported below, all at once
                if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                    raise
                failures.append(f"{operation.label} [{mode.value}]: {exc}"[:2000])
    return failures


def test_partner_api_conforms_to_its_schema(partner_api, partner_token) -> None:  # noqa: ANN001
    headers = {"Authorization": f"Token {partner_token}"}
    seen: Counter = Counter()

    def call(case) -> None:  # noqa: ANN001
        seen[(case.operation.label, case.call_and_validate(
            headers=headers, checks=CHECKS).status_code)] += 1

    failures = run_all_operations(partner_api, call)
    assert not failures, "\n\n".join(failures)
    # The token really worked: every operation answered 200 at least once.
    for label in {label for label, _ in seen}:
        if "{" not in label:
            assert seen[(label, 200)], (label, seen)
    assert seen[("POST /api/v1/signals/{source}/", 200)]


def test_staff_api_conforms_to_its_schema(staff_api, staff_cookies, household_a) -> None:  # noqa: ANN001
    seen: Counter = Counter()

    def call(case) -> None:  # noqa: ANN001
        seen[(case.operation.label, case.call_and_validate(
            headers={"X-CSRFToken": CSRF}, cookies=staff_cookies,
            checks=CHECKS).status_code)] += 1

    failures = run_all_operations(staff_api, call)
    assert not failures, "\n\n".join(failures)
    assert seen[("GET /api/v1/staff/queue/", 200)], seen
