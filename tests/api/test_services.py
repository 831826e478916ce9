"""GET /api/v1/services/: the catalogue as Open Referral HSDS 3.0, checked against its schemas."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from rest_framework.test import APIClient

from alerts.services.catalogue import catalogue_load
from dhs.models import AuditEvent

pytestmark = pytest.mark.django_db
HSDS = Path("/work/shared/hsds-3.0")
COMPILED = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/compiled/"


def _load(name: str) -> dict:
    return json.loads((HSDS / name).read_text())


def _validator(schema: dict) -> jsonschema.Validator:
    """A validator whose $refs to the HSDS compiled schemas resolve to the local copies."""
    registry = Registry().with_resources(
        (COMPILED + name, Resource.from_contents(_load(name), default_specification=DRAFT202012))
        for name in ("service_list.json", "service.json"))
    return jsonschema.Draft202012Validator(schema, registry=registry,
                                           format_checker=jsonschema.FormatChecker())


def page_schema() -> dict:
    """The 200 response of the HSDS API's GET /services (openapi.json), Page inlined."""
    api = _load("openapi.json")
    response = api["paths"]["/services"]["get"]["responses"]["200"]
    schema = json.loads(json.dumps(response["content"]["application/json"]["schema"]))
    schema["allOf"] = [api["components"]["schemas"]["Page"]]
    schema["required"] = ["total_items", "total_pages", "page_number", "size", "first_page",
                          "last_page", "empty", "contents"]
    return schema


@pytest.fixture
def catalogue(db) -> None:  # noqa: ANN001
    catalogue_load()


def test_list_validates_against_hsds_service_list(catalogue) -> None:  # noqa: ANN001
    body = APIClient().get("/api/v1/services/").json()
    assert body["total_items"] > 0 and body["contents"]
    errors = sorted(_validator(page_schema()).iter_errors(body), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]
    # The check has teeth: a service without its required status fails it.
    broken = {**body, "contents": [{k: v for k, v in body["contents"][0].items()
                                    if k != "status"}]}
    assert not _validator(page_schema()).is_valid(broken)


def test_detail_validates_against_hsds_service(catalogue) -> None:  # noqa: ANN001
    client = APIClient()
    first = client.get("/api/v1/services/").json()["contents"][0]
    body = client.get(f"/api/v1/services/{first['id']}/").json()
    assert body["id"] == first["id"]
    errors = sorted(_validator(_load("service.json")).iter_errors(body), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


def test_pagination_follows_hsds(catalogue) -> None:  # noqa: ANN001
    client = APIClient()
    total = client.get("/api/v1/services/").json()["total_items"]
    page = client.get("/api/v1/services/?per_page=1&page=2").json()
    assert (page["page_number"], page["size"], page["total_pages"]) == (2, 1, total)
    assert page["first_page"] is False
    bad = client.get("/api/v1/services/?per_page=0")
    assert bad.status_code == 400 and "per_page" in bad.json()["error"]["fields"]


def test_catalogue_is_public_and_reading_it_is_not_a_personal_data_read(
        catalogue, court_client) -> None:  # noqa: ANN001
    before = AuditEvent.objects.count()
    assert APIClient().get("/api/v1/services/").status_code == 200
    assert court_client.get("/api/v1/services/").status_code == 200
    assert AuditEvent.objects.count() == before


def test_unknown_service_is_404(catalogue) -> None:  # noqa: ANN001
    response = APIClient().get("/api/v1/services/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
