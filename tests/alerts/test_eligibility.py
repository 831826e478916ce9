from __future__ import annotations

from decimal import Decimal

import pytest

from alerts.models import Intervention
from alerts.services.catalogue import catalogue_load
from alerts.services.eligibility import interventions_for_household
from cases.poverty import area_median_income, poverty_line
from tests.alerts.helpers import enrollment, household, today

pytestmark = pytest.mark.django_db


def _result(h, code):
    return next(r for r in interventions_for_household(household=h) if r.intervention.code == code)


@pytest.fixture
def limit_120():
    """An intervention whose limit (1.2 x poverty line) is a whole number of cents a month."""
    return Intervention.objects.create(code="test_120", name="Test 120%", eligibility=[
        {"rule": "income_below_poverty_share", "max": 1.2}])


@pytest.mark.parametrize("size", [1, 3, 9])
def test_income_exactly_at_the_limit_is_eligible_one_cent_over_is_not(office_a, limit_120, size):
    line = poverty_line(year=today().year, household_size=size)
    at_limit = line * Decimal("1.2") / 12
    assert at_limit == at_limit.quantize(Decimal("0.01"))
    h = household(office=office_a, size=size, income=at_limit)
    assert h.members.count() == size
    result = _result(h, "test_120")
    assert result.eligible and result.failed_rule is None
    h.monthly_income = at_limit + Decimal("0.01")
    h.save()
    result = _result(h, "test_120")
    assert not result.eligible
    assert result.failed_rule == "income_below_poverty_share"
    assert result.failed_reason.startswith("Over the income limit")
    assert f"for {size} {'person' if size == 1 else 'people'}" in result.failed_reason


def test_household_size_raises_the_limit(office_a, limit_120):
    single_limit = poverty_line(year=today().year, household_size=1) * Decimal("1.2") / 12
    income = single_limit + 100
    single = household(office=office_a, size=1, income=income)
    family = household(office=office_a, size=4, children=2, income=income)
    assert not _result(single, "test_120").eligible
    assert _result(family, "test_120").eligible


def test_catalogue_rules_housing_children_enrollment_and_ami(office_a):
    catalogue_load()
    ami_half = area_median_income(year=today().year, household_size=3) / 2 / 12
    renter = household(office=office_a, size=3, children=1, income=ami_half - 1)
    owner = household(office=office_a, size=3, children=0, income=ami_half - 1, housing="own")
    enrollment(renter, "snap")
    results = {r.intervention.code: r for r in interventions_for_household(household=renter)}
    assert results["rental_assistance"].eligible
    assert results["school_liaison"].eligible
    assert results["recert_help"].eligible
    owner_results = {r.intervention.code: r for r in interventions_for_household(household=owner)}
    assert owner_results["rental_assistance"].failed_rule == "housing_in"
    assert "owning" in owner_results["rental_assistance"].failed_reason
    assert owner_results["school_liaison"].failed_reason == "No children in the household"
    assert owner_results["recert_help"].failed_reason == "Not enrolled in SNAP/TANF"
    # eligible first, then ineligible, each with words
    ordered = interventions_for_household(household=owner)
    flags = [r.eligible for r in ordered]
    assert flags == sorted(flags, reverse=True)
    assert all(r.reasons for r in ordered)


def test_rich_renter_fails_the_ami_rule_with_the_numbers(office_a):
    catalogue_load()
    rich = household(office=office_a, size=2, income=9000)
    result = _result(rich, "rental_assistance")
    assert not result.eligible and result.failed_rule == "income_below_ami_share"
    assert "$108,000/year" in result.failed_reason and "area median income" in \
        result.failed_reason


def test_unknown_rule_fails_closed(office_a):
    Intervention.objects.create(code="odd", name="Odd", eligibility=[{"rule": "lives_on_mars"}])
    result = _result(household(office=office_a), "odd")
    assert not result.eligible and "Unknown eligibility rule" in result.failed_reason


def test_fast_verdicts_of_the_export_match_the_explained_ones(office_a, limit_120):
    from alerts.services.eligibility import eligibility_for_households

    catalogue_load()
    at_limit = poverty_line(year=today().year, household_size=2) * Decimal("1.2") / 12
    people = [household(office=office_a, size=s, children=c, income=i, housing=hs)
              for s, c, i, hs in [(1, 0, 800, "rent"), (2, 1, at_limit, "rent"),
                                  (2, 1, at_limit + Decimal("0.01"), "own"),
                                  (5, 3, 4000, "homeless"), (3, 0, 9000, "rent")]]
    enrollment(people[1], "tanf")
    ids = [h.id for h in people]
    slow = eligibility_for_households(household_ids=ids)
    fast = eligibility_for_households(household_ids=ids, explain=False)
    for hid in ids:
        assert [(r.intervention.code, r.eligible, r.failed_rule) for r in slow[hid]] == \
            [(r.intervention.code, r.eligible, r.failed_rule) for r in fast[hid]]


def test_interventions_answering_open_flags_come_first(office_a, django_assert_max_num_queries):
    from alerts.services.eligibility import interventions_for_households
    from alerts.services.flags import flags_evaluate
    from tests.alerts.helpers import eviction

    catalogue_load()
    h = household(office=office_a, size=3, children=1, income=1000)
    eviction(h)
    flags_evaluate(household_ids=[h.id])
    results = interventions_for_household(household=h)
    assert [r.intervention.code for r in results[:2]] == ["eviction_legal_aid",
                                                          "rental_assistance"]
    assert all(r.suggested and r.answers == ["eviction_hearing"] for r in results[:2])
    assert not any(r.suggested for r in results[2:])
    page = [h] + [household(office=office_a) for _ in range(10)]
    with django_assert_max_num_queries(5):
        by_household = interventions_for_households(household_ids=[x.id for x in page])
    assert len(by_household) == 11 and by_household[h.id][0].suggested
