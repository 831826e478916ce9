"""Court eviction filings: the earliest sign that a family may lose its home."""

from __future__ import annotations

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


class EvictionFilingsAdapter(Adapter):
    source = "eviction_filings"
    kind = "eviction_filing"
    fields = ("case_number", "filing_date", "court", "plaintiff", "defendant_name",
              "defendant_address", "hearing_date", "amount_claimed")
    key_fields = ("case_number", "filing_date", "defendant_name", "defendant_address")

    def natural_key(self, row: dict[str, str]) -> str:
        return clean_text(row.get("case_number"))

    def read(self, row: dict[str, str], record_id: str) -> ParsedRecord:
        case_number = required_text(row.get("case_number"), "case_number")
        filed = parse_date(row.get("filing_date"), "filing_date", required=True)
        first, middle, last = parse_name(row.get("defendant_name"), "defendant_name")
        address = parse_address(row.get("defendant_address"))
        hearing = parse_date(row.get("hearing_date"), "hearing_date")
        if hearing and hearing < filed:
            raise FieldError(f"hearing_date '{row.get('hearing_date')}' is before filing_date "
                             f"'{row.get('filing_date')}'")
        amount = parse_amount(row.get("amount_claimed"), "amount_claimed")
        court, plaintiff = clean_text(row.get("court")), clean_text(row.get("plaintiff"))
        return ParsedRecord(
            record_id=record_id,
            fields={"case_number": case_number, "filing_date": iso(filed), "court": court,
                    "plaintiff": plaintiff, "defendant_name": clean_text(row.get("defendant_name")),
                    "defendant_address": clean_text(row.get("defendant_address")),
                    "hearing_date": iso(hearing), "amount_claimed": money(amount)},
            person=PersonKey(first_name=first, middle_name=middle, last_name=last,
                             street=address["street"], unit=address["unit"], zip=address["zip"],
                             address_key=address["address_key"], external_id=""),
            signal={"kind": self.kind, "occurred_on": filed, "deadline": hearing,
                    "amount": amount, "value": None,
                    "details": {"case_number": case_number, "court": court,
                                "plaintiff": plaintiff}},
        )
