"""Utility shut-off notices: a family about to lose heat, power or water."""

from __future__ import annotations

import contextlib

from .base import (
    Adapter,
    FieldError,
    ParsedRecord,
    PersonKey,
    clean_text,
    iso,
    money,
    parse_address,
    parse_amount,
    parse_date,
    parse_name,
    required_text,
)

UTILITIES = {"electric": "electric", "electricity": "electric", "power": "electric",
             "gas": "gas", "natural gas": "gas", "water": "water", "sewer": "water"}


class UtilityShutoffsAdapter(Adapter):
    source = "utility_shutoffs"
    kind = "utility_shutoff"
    fields = ("account_id", "notice_date", "utility", "customer_name", "service_address",
              "amount_past_due", "scheduled_shutoff_date")
    key_fields = ("account_id", "notice_date", "customer_name", "service_address")

    def natural_key(self, row: dict[str, str]) -> str:
        account = clean_text(row.get("account_id"))
        notice = clean_text(row.get("notice_date"))
        if not account or not notice:
            return ""
        with contextlib.suppress(FieldError):
            notice = iso(parse_date(notice, "notice_date")) or notice
        return f"{account}:{notice}"

    def read(self, row: dict[str, str], record_id: str) -> ParsedRecord:
        account = required_text(row.get("account_id"), "account_id")
        notice = parse_date(row.get("notice_date"), "notice_date", required=True)
        utility_text = clean_text(row.get("utility")).lower()
        utility = UTILITIES.get(utility_text, "")
        if utility_text and not utility:
            raise FieldError(f"utility '{row.get('utility')}' is not one of electric, gas, water")
        first, middle, last = parse_name(row.get("customer_name"), "customer_name")
        address = parse_address(row.get("service_address"))
        amount = parse_amount(row.get("amount_past_due"), "amount_past_due")
        shutoff = parse_date(row.get("scheduled_shutoff_date"), "scheduled_shutoff_date")
        return ParsedRecord(
            record_id=record_id,
            fields={"account_id": account, "notice_date": iso(notice), "utility": utility,
                    "customer_name": clean_text(row.get("customer_name")),
                    "service_address": clean_text(row.get("service_address")),
                    "amount_past_due": money(amount), "scheduled_shutoff_date": iso(shutoff)},
            person=PersonKey(first_name=first, middle_name=middle, last_name=last,
                             street=address["street"], unit=address["unit"], zip=address["zip"],
                             address_key=address["address_key"], external_id=account),
            signal={"kind": self.kind, "occurred_on": notice, "deadline": shutoff,
                    "amount": amount, "value": None,
                    "details": {"account_id": account, "utility": utility}},
        )
