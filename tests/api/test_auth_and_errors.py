"""Authentication, one error shape for every error, throttling, the docs page under CSP."""

from __future__ import annotations

import re

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db


def _assert_error_shape(response, status: int) -> dict:  # noqa: ANN001
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert isinstance(body["error"]["fields"], dict)
    return body["error"]


def test_missing_token_is_401_with_challenge() -> None:
    response = APIClient().get("/api/v1/referrals/")
    error = _assert_error_shape(response, 401)
    assert error["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"


def test_expired_token_is_refused(expired_token: str) -> None:
    response = token_client(expired_token).post("/api/v1/signals/eviction_filings/",
                                                {"records": [{}]}, format="json")
    error = _assert_error_shape(response, 401)
    assert error["message"] == "Token expired."


def test_unknown_token_is_refused() -> None:
    error = _assert_error_shape(token_client("nope_123").get("/api/v1/referrals/"), 401)
    assert error["code"] == "authentication_failed"


def test_unknown_api_path_is_404_in_error_shape(court_client: APIClient) -> None:
    assert _assert_error_shape(court_client.get("/api/v1/nothing/here/"), 404)["code"] \
        == "not_found"


def test_unknown_source_is_404(court_client: APIClient) -> None:
    _assert_error_shape(court_client.post("/api/v1/signals/tax_returns/",
                                          {"records": [{"a": 1}]}, format="json"), 404)


def test_wrong_method_is_405(court_client: APIClient) -> None:
    error = _assert_error_shape(court_client.get("/api/v1/signals/eviction_filings/"), 405)
    assert error["code"] == "method_not_allowed"


def test_wrong_media_type_is_415(court_client: APIClient) -> None:
    response = court_client.post("/api/v1/signals/eviction_filings/", "case_number=1",
                                 content_type="application/x-www-form-urlencoded")
    assert _assert_error_shape(response, 415)["code"] == "unsupported_media_type"


def test_partner_cannot_use_staff_endpoints(court_client: APIClient) -> None:
    _assert_error_shape(court_client.get("/api/v1/staff/queue/"), 403)


def test_staff_session_cannot_use_partner_endpoints(client, alice) -> None:  # noqa: ANN001
    client.force_login(alice)
    _assert_error_shape(client.get("/api/v1/referrals/"), 401)


def test_anonymous_cannot_use_staff_endpoints() -> None:
    _assert_error_shape(APIClient().get("/api/v1/staff/queue/"), 403)


def test_partner_throttle_is_per_partner(monkeypatch, court_client, utility_client) -> None:  # noqa: ANN001
    from alerts.api.throttling import PartnerRateThrottle
    monkeypatch.setattr(PartnerRateThrottle, "THROTTLE_RATES", {"partner": "3/min"})
    url = "/api/v1/signals/jail_bookings/"  # not covered: 403, but counted
    codes = [court_client.post(url, {"records": [{}]}, format="json").status_code
             for _ in range(3)]
    assert codes == [403, 403, 403]
    response = court_client.post(url, {"records": [{}]}, format="json")
    assert _assert_error_shape(response, 429)["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
    # Another partner has its own bucket.
    assert utility_client.post(url, {"records": [{}]}, format="json").status_code == 403


def test_schema_is_served_and_documents_token_auth() -> None:
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["components"]["securitySchemes"]["partnerToken"]["name"] == "Authorization"
    for path in ("/api/v1/signals/{source}/", "/api/v1/referrals/", "/api/v1/referrals/{id}/",
                 "/api/v1/services/", "/api/v1/staff/queue/"):
        assert path in schema["paths"]
    # Every operation has at least one example in a request or response.
    for path, item in schema["paths"].items():
        for method, op in item.items():
            if method not in {"get", "post", "patch"}:
                continue
            assert "'examples'" in str(op["responses"]["200" if method != "post" or
                                                    "signals" in path else "201"]), \
                f"{method} {path} has no response example"
            if method in {"post", "patch"}:
                assert "'examples'" in str(op["requestBody"]), f"{method} {path}: no example"


def test_docs_page_renders_under_csp() -> None:
    response = APIClient().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts, html
    for attrs, body in scripts:
        assert 'src="' in attrs and not body.strip(), "inline script would be blocked by CSP"
        src = re.search(r'src="([^"]+)"', attrs).group(1)
        assert src.startswith("/"), f"{src} is not self-hosted"
        asset = APIClient().get(src.replace("&amp;", "&"))
        assert asset.status_code == 200, src
        assert "javascript" in asset["Content-Type"]
    assert "<style" not in html
    for href in re.findall(r'<link[^>]+href="([^"]+)"', html):
        assert href.startswith("/"), f"{href} is not self-hosted"


def _nullable_to_json_schema(node):  # noqa: ANN001, ANN202
    """OpenAPI 3.0 `nullable: true` -> JSON Schema null type, recursively."""
    if isinstance(node, list):
        return [_nullable_to_json_schema(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: _nullable_to_json_schema(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
        if "$ref" in out or "allOf" in out or "oneOf" in out:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def test_every_documented_example_matches_its_schema() -> None:
    """The examples partners copy from /api/docs/ are valid against the schema they show."""
    import jsonschema

    schema = APIClient().get("/api/schema/?format=json").json()
    components = _nullable_to_json_schema(schema["components"])
    checked = 0
    for path, item in schema["paths"].items():
        for method, op in item.items():
            bodies = [(f"{status}", r.get("content", {})) for status, r in
                      op.get("responses", {}).items()]
            bodies.append(("request", op.get("requestBody", {}).get("content", {})))
            for where, content in bodies:
                media = content.get("application/json", {})
                for name, example in media.get("examples", {}).items():
                    sub = {**_nullable_to_json_schema(media["schema"]),
                           "components": components}
                    errors = list(jsonschema.Draft7Validator(sub).iter_errors(example["value"]))
                    assert not errors, (method, path, where, name, errors[0].message)
                    checked += 1
    assert checked >= 20
