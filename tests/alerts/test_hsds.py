from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from alerts.models import Intervention
from alerts.services.catalogue import catalogue_load
from alerts.services.hsds import service_as_hsds, services_as_hsds, services_hsds_page

pytestmark = pytest.mark.django_db
HSDS = Path("/work/shared/hsds-3.0")
LIST_URL = ("https://raw.githubusercontent.com/openreferral/specification/3.0/schema/compiled/"
            "service_list.json")


def schema(name: str) -> dict:
    return json.loads((HSDS / name).read_text())


def validator(root: dict) -> jsonschema.Draft202012Validator:
    """Resolve the HSDS $refs from the local copies only (no network)."""
    registry = Registry().with_resources([
        (LIST_URL, Resource.from_contents(schema("service_list.json"),
                                          default_specification=DRAFT202012)),
    ])
    return jsonschema.Draft202012Validator(
        root, registry=registry, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def errors(root: dict, instance: object) -> list[str]:
    return [f"{list(e.path)}: {e.message}" for e in validator(root).iter_errors(instance)]


@pytest.mark.skipif(not HSDS.exists(), reason="shared HSDS schemas not present")
def test_every_service_validates_against_hsds_service_schema():
    catalogue_load()
    services = services_as_hsds()
    assert len(services) == 7
    service_schema = schema("service.json")
    for service in services:
        assert errors(service_schema, service) == []
    rental = service_as_hsds(intervention=Intervention.objects.get(code="rental_assistance"))
    assert rental["organization"]["name"] == "County Housing Authority"
    assert rental["phones"][0]["number"] == "+1 217 555 0140"
    assert "50% of area median income" in rental["eligibility_description"]
    assert len({s["id"] for s in services}) == 7
    assert services_as_hsds()[0]["id"] == services[0]["id"]  # stable ids


@pytest.mark.skipif(not HSDS.exists(), reason="shared HSDS schemas not present")
def test_list_page_validates_against_the_hsds_page_shape():
    catalogue_load()
    openapi = schema("openapi.json")
    page_schema = {
        "allOf": [openapi["components"]["schemas"]["Page"]],
        "properties": {"contents": {"type": "array", "items": {"$ref": LIST_URL}}},
        "required": ["total_items", "total_pages", "page_number", "size", "contents"],
    }
    page = services_hsds_page(page=2, per_page=3)
    assert (page["total_items"], page["total_pages"], page["size"]) == (7, 3, 3)
    assert not page["first_page"] and not page["last_page"]
    assert errors(page_schema, page) == []
    bad = {**page, "contents": [{"name": "no id or status"}]}
    assert errors(page_schema, bad)


def test_a_broken_service_is_caught_by_the_schema():
    bad = {"id": "not-a-uuid", "name": "X", "status": "open"}
    found = errors(schema("service.json"), bad)
    assert any("status" in e or "'open' is not one of" in e for e in found)
