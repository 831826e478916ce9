"""The access matrix as data: every URL pattern and API endpoint against every persona.

One row per (method, URL pattern); one cell per persona with the expected result. The test in
test_access_matrix.py requests every cell over HTTP with real objects, and fails when the URL
map grows a pattern without a row here. `python -m tests.security.access_matrix --markdown`
prints the table that docs/security.md carries between its access-matrix markers.

Results:
  ok     allowed: 2xx, or 3xx somewhere other than a sign-in page
  login  redirect to sign-in (302 to /accounts/login/?next=… or the admin's /admin/login/?next=…)
  401    API: not authenticated (partner endpoints ask for `Authorization: Token`)
  403    forbidden (role or agreement does not allow it; session-only API endpoints without a
         session also answer 403, DRF's SessionAuthentication has no challenge to offer)
  404    hidden: the object exists but lies outside the caller's office (or role)
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

OK, LOGIN, UNAUTH, FORBIDDEN, HIDDEN = "ok", "login", "401", "403", "404"

PERSONAS: dict[str, str] = {
    "caseworker": "caseworker (alice, NORTH)",
    "other_office": "caseworker, other office (charlie, SOUTH)",
    "supervisor": "supervisor (sam, NORTH)",
    "analyst": "analyst (ann)",
    "admin": "admin (root)",
    "partner": "partner with the agreement (court)",
    "partner_no_agreement": "partner without it (utility)",
    "anonymous": "anonymous",
}
STAFF = ("caseworker", "other_office", "supervisor", "analyst", "admin")
PARTNERS = ("partner", "partner_no_agreement")


def cells(default: str, **overrides: str) -> dict[str, str]:
    """Every persona gets `default` unless named."""
    unknown = set(overrides) - set(PERSONAS)
    if unknown:
        raise ValueError(f"unknown personas {unknown}")
    return {p: overrides.get(p, default) for p in PERSONAS}


def portal(*, caseworker: str, other_office: str, supervisor: str, analyst: str,
           admin: str = OK) -> dict[str, str]:
    """A signed-in portal page: partners (token, no session) and anonymous go to sign-in."""
    return {"caseworker": caseworker, "other_office": other_office, "supervisor": supervisor,
            "analyst": analyst, "admin": admin, "partner": LOGIN,
            "partner_no_agreement": LOGIN, "anonymous": LOGIN}


def staff_api(*, caseworker: str, other_office: str, supervisor: str = OK,
              analyst: str = FORBIDDEN, admin: str = OK) -> dict[str, str]:
    """Session-authenticated staff API: no session (partner token, anonymous) is 403."""
    return {"caseworker": caseworker, "other_office": other_office, "supervisor": supervisor,
            "analyst": analyst, "admin": admin, "partner": FORBIDDEN,
            "partner_no_agreement": FORBIDDEN, "anonymous": FORBIDDEN}


def partner_api(*, partner: str = OK, partner_no_agreement: str = FORBIDDEN) -> dict[str, str]:
    """Token-authenticated partner API: a staff session is not a partner token (401)."""
    return {**dict.fromkeys(STAFF, UNAUTH), "partner": partner,
            "partner_no_agreement": partner_no_agreement, "anonymous": UNAUTH}


@dataclass(frozen=True)
class Row:
    """One URL pattern and method. `path` is filled from the test world ({ref}, {item_id} …)."""

    pattern: str  # as django.urls.get_resolver() prints it, joined across includes
    method: str
    path: str
    expect: dict[str, str]
    note: str = ""
    prefix: bool = False  # the row stands for every pattern that starts with `pattern`
    data: dict = field(default_factory=dict)  # form fields (POST) or JSON body (API)
    json: bool = False


ROWS: tuple[Row, ...] = (
    # --- portal ----------------------------------------------------------------------------
    Row("", "GET", "/", portal(caseworker=OK, other_office=OK, supervisor=OK, analyst=OK),
        "sends each role to its first screen"),
    Row("accounts/login/", "GET", "/accounts/login/", cells(OK),
        "signed-in users are sent on to /"),
    Row("accounts/logout/", "POST", "/accounts/logout/", cells(OK), "POST only"),
    Row("queue/", "GET", "/queue/",
        portal(caseworker=OK, other_office=OK, supervisor=OK, analyst=FORBIDDEN),
        "own office's queue only"),
    Row("queue/items/<int:item_id>/claim/", "POST", "/queue/items/{item_id}/claim/",
        portal(caseworker=OK, other_office=HIDDEN, supervisor=OK, analyst=FORBIDDEN)),
    Row("households/<str:ref>/", "GET", "/households/{ref}/",
        portal(caseworker=OK, other_office=HIDDEN, supervisor=OK, analyst=HIDDEN),
        "audited; analysts see aggregates only"),
    Row("households/<str:ref>/act/", "POST", "/households/{ref}/act/",
        portal(caseworker=OK, other_office=HIDDEN, supervisor=OK, analyst=FORBIDDEN),
        data={"action": "contacted", "note": "called"}),
    Row("households/<str:ref>/refer/", "POST", "/households/{ref}/refer/",
        portal(caseworker=OK, other_office=HIDDEN, supervisor=OK, analyst=FORBIDDEN),
        data={"intervention_code": "{intervention_code}"}),
    Row("households/<str:ref>/outreach/", "POST", "/households/{ref}/outreach/",
        portal(caseworker=OK, other_office=HIDDEN, supervisor=OK, analyst=FORBIDDEN),
        data={"body": "Please call us."}),
    Row("households/<str:ref>/notes/", "POST", "/households/{ref}/notes/",
        portal(caseworker=OK, other_office=HIDDEN, supervisor=OK, analyst=FORBIDDEN),
        data={"body": "Spoke with the household."}),
    Row("review/links/", "GET", "/review/links/",
        portal(caseworker=FORBIDDEN, other_office=FORBIDDEN, supervisor=OK,
               analyst=FORBIDDEN)),
    Row("review/links/<int:review_id>/", "POST", "/review/links/{review_id}/",
        portal(caseworker=FORBIDDEN, other_office=FORBIDDEN, supervisor=OK,
               analyst=FORBIDDEN), data={"decision": "reject"}),
    Row("supervisor/", "GET", "/supervisor/",
        portal(caseworker=FORBIDDEN, other_office=FORBIDDEN, supervisor=OK,
               analyst=FORBIDDEN), "team review and audit search"),
    Row("supervisor/items/<int:item_id>/assign/", "POST",
        "/supervisor/items/{item_id}/assign/",
        portal(caseworker=FORBIDDEN, other_office=FORBIDDEN, supervisor=OK,
               analyst=FORBIDDEN), data={"assignee": "{bob_id}"}),
    Row("supervisor/dismissals/<int:action_id>/", "POST", "/supervisor/dismissals/{action_id}/",
        portal(caseworker=FORBIDDEN, other_office=FORBIDDEN, supervisor=OK,
               analyst=FORBIDDEN), data={"decision": "uphold"}),
    Row("offices/<str:office_code>/dashboard/", "GET", "/offices/{office_code}/dashboard/",
        portal(caseworker=OK, other_office=HIDDEN, supervisor=OK, analyst=OK),
        "foot traffic: own office; analysts and admins any"),
    Row("models/", "GET", "/models/",
        portal(caseworker=FORBIDDEN, other_office=FORBIDDEN, supervisor=OK, analyst=OK),
        "model health and fairness (aggregates)"),
    Row("transparency/", "GET", "/transparency/", cells(OK), "public, suppressed aggregates"),
    Row("healthz/", "GET", "/healthz/", cells(OK), "constant liveness probe"),
    Row("healthz/session/", "GET", "/healthz/session/",
        portal(caseworker=OK, other_office=OK, supervisor=OK, analyst=OK),
        "constant behind sign-in (bench floor)"),
    Row("sms/inbound/", "POST", "/sms/inbound/", cells(FORBIDDEN),
        "SMS provider webhook: a shared secret or Twilio signature, never a persona; "
        "checked here without the secret", data={"From": "+12175550000", "Body": "STOP"}),
    # --- Django admin and static files ---------------------------------------------------------
    Row("admin/", "GET", "/admin/",
        {**cells(LOGIN), "admin": OK},
        "Django admin: staff accounts (the admin role) only; everyone else to /admin/login/",
        prefix=True),
    Row("admin/dhs/auditevent/", "GET", "/admin/dhs/auditevent/",
        {**cells(LOGIN), "admin": OK}, "audit log search (read is audited)"),
    Row("static/", "GET", "/static/css/portal.css", cells(OK),
        "static files (WhiteNoise), no personal data", prefix=True),
    # --- API docs ------------------------------------------------------------------------------
    Row("api/schema/", "GET", "/api/schema/", cells(OK), "OpenAPI 3 schema, public"),
    Row("api/docs/", "GET", "/api/docs/", cells(OK), "Swagger UI, public"),
    # --- partner API ---------------------------------------------------------------------------
    Row("api/v1/signals/<str:source>/", "POST", "/api/v1/signals/eviction_filings/",
        partner_api(), "the agreement must cover the source", json=True,
        data={"records": [{"case_number": "MX-1", "filing_date": "2026-01-05",
                           "court": "Riverside", "plaintiff": "Oak LLC",
                           "defendant_name": "DOE, JANE", "defendant_address":
                           "1 Elm St, Springfield, IL 62701", "hearing_date": "2026-01-20",
                           "amount_claimed": "1200"}]}),
    Row("api/v1/^referrals/$", "GET", "/api/v1/referrals/", partner_api(),
        "only referrals under an agreement that receives them"),
    Row("api/v1/^referrals/(?P<pk>[0-9]{1,18})/$", "GET", "/api/v1/referrals/{referral_id}/",
        partner_api(), "another partner's referral is a 404"),
    Row("api/v1/^referrals/(?P<pk>[0-9]{1,18})/$", "PATCH", "/api/v1/referrals/{referral_id}/",
        partner_api(), "record the outcome", json=True,
        data={"outcome": "enrolled", "note": "enrolled on first visit"}),
    Row("api/v1/services/", "GET", "/api/v1/services/", cells(OK), "public catalogue (HSDS)"),
    Row("api/v1/services/<str:service_id>/", "GET", "/api/v1/services/{service_id}/",
        cells(OK), "public catalogue (HSDS)"),
    # --- staff API -----------------------------------------------------------------------------
    Row("api/v1/staff/queue/", "GET", "/api/v1/staff/queue/",
        staff_api(caseworker=OK, other_office=OK), "own office's queue"),
    Row("api/v1/staff/households/<str:ref>/", "GET", "/api/v1/staff/households/{ref}/",
        staff_api(caseworker=OK, other_office=HIDDEN), "audited"),
    Row("api/v1/staff/households/<str:ref>/flags/", "GET",
        "/api/v1/staff/households/{ref}/flags/",
        staff_api(caseworker=OK, other_office=HIDDEN), "audited"),
    Row("api/v1/^staff/work-items/(?P<item_id>[0-9]{1,18})/actions/$", "POST",
        "/api/v1/staff/work-items/{item_id}/actions/",
        staff_api(caseworker=OK, other_office=HIDDEN), json=True,
        data={"action": "contacted", "note": "left a voicemail"}),
    Row("api/v1/^[\\s\\S]*$", "GET", "/api/v1/no-such-endpoint/", cells(HIDDEN),
        "unknown API paths answer in the API error shape"),
)

SYMBOL = {OK: "✓", LOGIN: "→ sign-in", UNAUTH: "401", FORBIDDEN: "403", HIDDEN: "404"}


def row_id(row: Row) -> str:
    return f"{row.method} {row.path}"


def markdown() -> str:
    """The matrix as a markdown table for docs/security.md."""
    head = "| method | path | " + " | ".join(PERSONAS.values()) + " | note |"
    lines = [head, "|" + "---|" * (len(PERSONAS) + 3)]
    for row in ROWS:
        path = row.path + ("*" if row.prefix else "")
        cols = " | ".join(SYMBOL[row.expect[p]] for p in PERSONAS)
        lines.append(f"| {row.method} | `{path}` | {cols} | {row.note} |")
    legend = ("\n✓ allowed (2xx, or a redirect that is not a sign-in page) · → sign-in: 302 to "
              "/accounts/login/?next=… (the admin's own /admin/login/ under /admin/) · 401: "
              "partner API without a token · 403: the role or agreement does not allow it · "
              "404: outside the caller's office or role. `*`: the row stands for every URL "
              "under the prefix. Objects: a household of office NORTH with an open work item, "
              "a pending link review and a dismissal in NORTH, a referral sent to the court "
              "under an agreement that receives referrals.")
    return "\n".join(lines) + "\n" + legend


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print the markdown table")
    args = parser.parse_args()
    if args.markdown:
        print(markdown())
    else:
        for row in ROWS:
            print(row_id(row), row.expect)


if __name__ == "__main__":
    main()
