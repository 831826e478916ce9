"""Household access (the one place it is decided) and office traffic."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.http import Http404
from django.utils import timezone

from cases.models import OfficeVisit
from cases.selectors import household_get_for_user, households_for_user, office_traffic
from cases.tasks import refresh_dashboard_aggregates
from tests.factories import HouseholdFactory


def test_caseworker_and_supervisor_see_own_office(alice, sam, household_a) -> None:  # noqa: ANN001
    assert household_get_for_user(user=alice, ref=household_a.ref) == household_a
    assert household_get_for_user(user=sam, ref=household_a.ref) == household_a
    assert list(households_for_user(user=alice)) == [household_a]


def test_other_office_gets_404(charlie, household_a) -> None:  # noqa: ANN001
    with pytest.raises(Http404):
        household_get_for_user(user=charlie, ref=household_a.ref)
    assert not households_for_user(user=charlie).exists()


def test_analyst_gets_404(ann, household_a) -> None:  # noqa: ANN001
    with pytest.raises(Http404):
        household_get_for_user(user=ann, ref=household_a.ref)
    assert not households_for_user(user=ann).exists()


def test_admin_sees_every_office(root_admin, household_a, office_b) -> None:  # noqa: ANN001
    other = HouseholdFactory(office=office_b)
    assert household_get_for_user(user=root_admin, ref=other.ref) == other
    assert set(households_for_user(user=root_admin)) == {household_a, other}


def test_unknown_ref_anonymous_and_partner_get_404(alice, household_a,
                                                   court_partner) -> None:  # noqa: ANN001
    from django.contrib.auth.models import AnonymousUser

    from dhs.api_auth import PartnerUser
    with pytest.raises(Http404):
        household_get_for_user(user=alice, ref="NOPE")
    with pytest.raises(Http404):
        household_get_for_user(user=AnonymousUser(), ref=household_a.ref)
    with pytest.raises(Http404):  # partners read households only through referrals
        household_get_for_user(user=PartnerUser(court_partner[0]), ref=household_a.ref)


def _visit(office, day: dt.date, hour: int, minutes_wait: int | None,  # noqa: ANN001
           service: str = "application") -> OfficeVisit:
    tz = timezone.get_current_timezone()
    arrived = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 5)), tz)
    served = arrived + dt.timedelta(minutes=minutes_wait) if minutes_wait is not None else None
    return OfficeVisit.objects.create(office=office, arrived_at=arrived, served_at=served,
                                      service_type=service)


def test_office_traffic_against_typical_weekday(office_a, office_b) -> None:  # noqa: ANN001
    cache.clear()
    day = timezone.localdate() - dt.timedelta(days=1)
    _visit(office_a, day, 9, 20)
    _visit(office_a, day, 9, 40, "recertification")
    _visit(office_a, day, 14, None)
    for weeks in range(1, 9):  # one 9 o'clock visit on each of the last eight same weekdays
        _visit(office_a, day - dt.timedelta(weeks=weeks), 9, 10)
    _visit(office_a, day - dt.timedelta(days=1), 9, 10)  # another weekday: not typical
    _visit(office_b, day, 9, 10)  # another office

    data = office_traffic(office=office_a, day=day)
    assert data["total"] == 3
    nine = data["by_hour"][9]
    assert (nine["visitors"], nine["typical"]) == (2, 1.0)
    assert data["served"] == 2
    assert (data["waiting_now"], data["left_unserved"]) == (0, 1)  # a past day
    assert data["avg_wait_minutes"] == 30.0
    services = {s["service_type"]: s for s in data["by_service"]}
    assert services["recertification"]["visitors"] == 1
    assert services["application"]["typical"] == 1.0

    _visit(office_a, day, 10, 5)  # cached for 60 s ...
    assert office_traffic(office=office_a, day=day)["total"] == 3
    cache.clear()  # ... and recomputed after
    assert office_traffic(office=office_a, day=day)["total"] == 4


def test_refresh_task_warms_todays_cache(office_a, office_b) -> None:  # noqa: ANN001
    cache.clear()
    today = timezone.localdate()
    assert refresh_dashboard_aggregates.delay().get() == 2
    _visit(office_a, today, 0, None)
    assert office_traffic(office=office_a, day=today)["total"] == 0  # served from the warm cache
    refresh_dashboard_aggregates.delay().get()
    data = office_traffic(office=office_a, day=today)
    assert (data["total"], data["waiting_now"]) == (1, 1)


def test_household_page_is_404_outside_the_office(client, charlie, household_a) -> None:  # noqa: ANN001
    client.force_login(charlie)
    assert client.get(f"/households/{household_a.ref}/").status_code == 404


def test_household_page_is_closed_to_analysts(client, ann, household_a) -> None:  # noqa: ANN001
    client.force_login(ann)  # the portal's role check answers first (403); the selector: 404
    assert client.get(f"/households/{household_a.ref}/").status_code in (403, 404)


def test_household_page_opens_for_own_office(client, alice, household_a) -> None:  # noqa: ANN001
    client.force_login(alice)
    assert client.get(f"/households/{household_a.ref}/").status_code == 200
