"""Record linkage through its public functions: link_records and remember_identifier."""

from __future__ import annotations

import datetime as dt

import pytest

from cases.addresses import normalize_address
from risk.linkage import LINK_THRESHOLD, REVIEW_THRESHOLD, link_records, remember_identifier
from risk.models import FeedBatch, KnownIdentifier, LinkReview, RawRecord
from risk.sources import PersonKey
from tests.factories import HouseholdFactory, PersonFactory

pytestmark = pytest.mark.django_db


def key(first: str, last: str, *, dob: dt.date | None = None, street: str = "", unit: str = "",
        zip_code: str = "", external_id: str = "", middle: str = "") -> PersonKey:
    return PersonKey(first_name=first, middle_name=middle, last_name=last, date_of_birth=dob,
                     street=street, unit=unit, zip=zip_code,
                     address_key=normalize_address(street, unit, zip_code) if street else "",
                     external_id=external_id)


@pytest.fixture
def caseload():
    """A few households, with look-alikes: same surname next door, same name elsewhere."""
    oak = HouseholdFactory(street="123 North Oak Street", unit="4B", zip="62701",
                           address_key=normalize_address("123 North Oak Street", "4B", "62701"))
    william = PersonFactory(household=oak, first_name="William", last_name="Garcia-Lopez",
                            date_of_birth=dt.date(1980, 3, 7), relationship="head")
    rosa = PersonFactory(household=oak, first_name="Rosa", last_name="Garcia-Lopez",
                         date_of_birth=dt.date(1982, 11, 2), relationship="spouse")
    kid = PersonFactory(household=oak, first_name="Elena", last_name="Garcia-Lopez",
                        date_of_birth=dt.date(2012, 5, 9), relationship="child")
    elm = HouseholdFactory(street="77 Elm Avenue", unit="", zip="62702",
                           address_key=normalize_address("77 Elm Avenue", "", "62702"))
    james = PersonFactory(household=elm, first_name="James", last_name="O'Brien",
                          date_of_birth=dt.date(1975, 1, 20), relationship="head")
    pine = HouseholdFactory(street="9 Pine Road", unit="", zip="62703",
                            address_key=normalize_address("9 Pine Road", "", "62703"))
    other_james = PersonFactory(household=pine, first_name="James", last_name="O'Brien",
                                date_of_birth=dt.date(1991, 8, 14), relationship="head")
    return {"william": william, "rosa": rosa, "kid": kid, "james": james,
            "other_james": other_james}


def test_thresholds_are_ordered():
    assert 0 < REVIEW_THRESHOLD < LINK_THRESHOLD < 1


def test_eviction_nickname_abbreviation_and_apartment_spelling_links_the_head(caseload):
    [out] = link_records(source="eviction_filings", people=[
        key("Bill", "Garcia-Lopez", street="123 N. Oak St", unit="Apartment 4-B",
            zip_code="62701")])
    assert out.status == "linked", out.reason
    assert out.person_id == caseload["william"].id
    assert out.household_id == caseload["william"].household_id
    assert out.probability >= LINK_THRESHOLD


def test_one_part_of_hyphenated_surname_and_transposed_letters(caseload):
    outs = link_records(source="utility_shutoffs", people=[
        key("Rsoa", "Lopez", street="123 NORTH OAK STREET #4B", zip_code="62701"),
        key("William", "Garcia", street="123 North Oak St Apt 4B", zip_code="62701"),
    ])
    assert [o.status for o in outs] == ["linked", "linked"], [o.reason for o in outs]
    assert outs[0].person_id == caseload["rosa"].id
    assert outs[1].person_id == caseload["william"].id


def test_swapped_names_and_day_month_swap_in_school_feed(caseload):
    outs = link_records(source="school_attendance", people=[
        key("Garcia-Lopez", "Elena", dob=dt.date(2012, 5, 9), external_id="S0100001"),
        key("ELENA", "GARCIA-LOPEZ", dob=dt.date(2012, 9, 5), external_id="S0100001"),
        # both at once is less certain: a person decides
        key("Garcia-Lopez", "Elena", dob=dt.date(2012, 9, 5), external_id="S0100001"),
    ])
    assert [o.status for o in outs[:2]] == ["linked", "linked"], [o.reason for o in outs]
    assert {o.person_id for o in outs[:2]} == {caseload["kid"].id}
    assert outs[2].status in {"linked", "review"}
    assert outs[2].person_id in {None, caseload["kid"].id}


def test_jail_dob_decides_between_two_people_with_the_same_name(caseload):
    [out] = link_records(source="jail_bookings", people=[
        key("Jim", "OBrien", dob=dt.date(1991, 8, 14))])
    assert out.status == "linked", out.reason
    assert out.person_id == caseload["other_james"].id


def test_same_name_without_address_or_birth_date_is_not_linked(caseload):
    [out] = link_records(source="eviction_filings", people=[key("James", "O'Brien")])
    assert out.status in {"review", "unlinked"}
    assert out.person_id is None


def test_stranger_is_unlinked_with_a_reason(caseload):
    [out] = link_records(source="eviction_filings", people=[
        key("Zelda", "Quackenbush", street="5 Nowhere Lane", zip_code="60000")])
    assert out.status == "unlinked"
    assert out.person_id is None and out.reason


def test_review_band_offers_candidates_with_a_side_by_side_comparison(caseload):
    # Right name, right street, but neither unit nor zip agree, no birth date: not certain.
    [out] = link_records(source="eviction_filings", people=[
        key("James", "O'Brien", street="77 Elm Avenue", unit="9", zip_code="")])
    if out.status == "linked":  # the model may be sure enough; then it must be the right one
        assert out.person_id == caseload["james"].id
        return
    assert out.status == "review", out.reason
    assert out.candidates
    top = out.candidates[0]
    assert top["person_id"] == caseload["james"].id
    assert REVIEW_THRESHOLD <= top["probability"] < 1
    assert {"first_name", "last_name", "dob", "address"} <= set(top["comparison"])
    assert top["comparison"]["last_name"]["candidate"] == "O'Brien"


def test_confirmed_identifier_links_with_certainty_and_is_remembered(caseload):
    remember_identifier(source="school_attendance", external_id="S0999", person_id=caseload[
        "kid"].id)
    assert KnownIdentifier.objects.get(source="school_attendance",
                                       external_id="S0999").person_id == caseload["kid"].id
    [out] = link_records(source="school_attendance", people=[
        key("Lena", "Smith", dob=dt.date(2013, 1, 1), external_id="S0999")])
    assert (out.status, out.person_id, out.probability) == ("linked", caseload["kid"].id, 1.0)


def test_a_rejected_person_is_not_proposed_again_for_that_record(caseload):
    batch = FeedBatch.objects.create(source="jail_bookings")
    raw = RawRecord.objects.create(batch=batch, source="jail_bookings", record_id="BK1",
                                   content_hash="x", status="review")
    LinkReview.objects.create(raw_record=raw, person=caseload["other_james"],
                              match_probability=0.9, decision=LinkReview.REJECTED)
    person = key("Jim", "OBrien", dob=dt.date(1991, 8, 14))
    [out] = link_records(source="jail_bookings", people=[person], record_ids=["BK1"])
    assert out.person_id != caseload["other_james"].id
    assert all(c["person_id"] != caseload["other_james"].id for c in out.candidates)
    [again] = link_records(source="jail_bookings", people=[person], record_ids=["BK2"])
    assert again.person_id == caseload["other_james"].id


def test_a_batch_uses_a_few_set_based_queries(caseload):
    """The number of queries does not grow with the batch: keys go in as arrays."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    people = [key("Bill", "Garcia-Lopez", street="123 N Oak St Apt 4B", zip_code="62701"),
              key("Jim", "OBrien", dob=dt.date(1991, 8, 14)),
              key("Nobody", "Atall", dob=dt.date(2001, 2, 3), street="1 A St", zip_code="1")]
    with CaptureQueriesContext(connection) as small:
        link_records(source="jail_bookings", people=people)
    with CaptureQueriesContext(connection) as large:
        outs = link_records(source="jail_bookings", people=people * 30)
    assert len(outs) == 90
    assert [o.status for o in outs[:3]] == ["linked", "linked", "unlinked"]
    assert len(large.captured_queries) == len(small.captured_queries) <= 12


def test_empty_batch():
    assert link_records(source="jail_bookings", people=[]) == []


def test_fast_scorer_gives_splinks_own_match_weights():
    """The hot path evaluates model.json itself; it must agree with Splink's prediction."""
    import json
    import logging

    import duckdb
    import pyarrow as pa
    from splink import DuckDBAPI, Linker

    from risk.linkage.scorer import MODEL_PATH, load_model
    from risk.linkage.standardise import keys_table, prepare, standardise

    people = [
        {"first_name": "William", "last_name": "Garcia-Lopez",
         "date_of_birth": dt.date(1980, 3, 7), "address_key": "123 n oak st|4B|62701"},
        {"first_name": "Rosa", "last_name": "Garcia-Lopez", "date_of_birth": dt.date(1982, 11, 2),
         "address_key": "123 n oak st|4B|62701"},
        {"first_name": "James", "last_name": "O'Brien", "date_of_birth": dt.date(1975, 1, 20),
         "address_key": "77 elm ave||62702", "external_id": "X2"},
    ]
    records = [
        {"first_name": "Bill", "last_name": "Garcia", "address_key": "123 n oak st|4B|62701"},
        {"first_name": "Garcia-Lopez", "last_name": "Rosa", "date_of_birth": dt.date(1982, 2, 11),
         "address_key": "123 n oak st||"},
        {"first_name": "Jim", "last_name": "Obrien", "date_of_birth": dt.date(1975, 1, 21),
         "address_key": "77 elm ave||62702", "external_id": "X1"},
    ]
    left, right = standardise(keys_table(records)), standardise(keys_table(people))
    settings = json.loads(MODEL_PATH.read_text())
    settings["blocking_rules_to_generate_predictions"] = [
        {"blocking_rule": "1=1", "sql_dialect": "duckdb"}]
    db_api = DuckDBAPI()
    linker = Linker([db_api.register(left.to_pandas(), dataset_display_name="feed"),
                     db_api.register(right.to_pandas(), dataset_display_name="people")],
                    settings, log_level=logging.WARNING)
    splink = {(int(r.unique_id_l), int(r.unique_id_r)): r.match_weight
              for r in linker.inference.predict().as_pandas_dataframe().itertuples()}

    con = duckdb.connect()
    prepare(con)
    con.register("l", left)
    con.register("r", right)
    con.register("pairs", pa.table({"lid": [i for i in range(3) for _ in range(3)],
                                    "rid": [j for _ in range(3) for j in range(3)]}))
    ours = {(lid, rid): w for lid, rid, *_, w in con.execute(
        load_model().score_sql(left="l", right="r", pairs="pairs")).fetchall()}
    assert set(ours) == set(splink)
    for pair, weight in splink.items():
        assert ours[pair] == pytest.approx(weight, abs=1e-6), pair


def test_two_equally_good_people_in_different_households_go_to_review(caseload):
    """Same name and birth date in two households: a person decides, side by side."""
    twin_home = HouseholdFactory(street="4 Cedar Court", zip="62704",
                                 address_key=normalize_address("4 Cedar Court", "", "62704"))
    twin = PersonFactory(household=twin_home, first_name="James", last_name="O'Brien",
                         date_of_birth=dt.date(1991, 8, 14), relationship="head")
    [out] = link_records(source="jail_bookings", people=[
        key("James", "O'Brien", dob=dt.date(1991, 8, 14))])
    assert out.status == "review", out.reason
    assert out.person_id is None
    assert {c["person_id"] for c in out.candidates} == {twin.id, caseload["other_james"].id}
    for candidate in out.candidates:
        assert REVIEW_THRESHOLD <= candidate["probability"] <= 1
        assert candidate["comparison"]["dob"] == {
            "record": "1991-08-14", "candidate": "1991-08-14", "level": "exact",
            "weight": candidate["comparison"]["dob"]["weight"]}
        assert candidate["comparison"]["last_name"]["candidate"] == "O'Brien"
