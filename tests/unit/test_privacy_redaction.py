"""Phone numbers, e-mail addresses and bank accounts are redacted from free text that leaves the police (the
assistant's stored chat, public reads, partners' views, exports); dates, short numbers and addresses stay."""

from __future__ import annotations

import pytest

from koban.privacy.redaction import EMAIL_MARK, IBAN_MARK, PHONE_MARK, redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail me at jan.de-vries+koban@example.co.uk please", f"mail me at {EMAIL_MARK} please"),
        ("bel 06-12345678", f"bel {PHONE_MARK}"),
        ("call +31 20 555 1234 now", f"call {PHONE_MARK} now"),
        ("zadzwoń 0048 601 234 567", f"zadzwoń {PHONE_MARK}"),
        ("(020) 555-1234", PHONE_MARK),
        ("IBAN NL91 ABNA 0417 1643 00", f"IBAN {IBAN_MARK}"),
        ("06-12-34-56-78", PHONE_MARK),
        ("seen 2025-03-12 14:30, call 0612345678", f"seen 2025-03-12 14:30, call {PHONE_MARK}"),
        ("on 12/03/25 ring 020 555 1234", f"on 12/03/25 ring {PHONE_MARK}"),
    ],
)
def test_given_personal_data_when_redacted_then_it_is_replaced(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "call 112 and 101",
        "it happened on 12.03.2025 at 14:30",
        "since 2025-03-12",
        "house number 23, postcode 1012 AB",
        "I paid 1500 euro in 2024",
        "seen 2025-03-12 14:30 near house 23b",
        "every summer 2019-2024, case ref 12345",
        "00-950 Warszawa, ul. Marszałkowska 140",
    ],
)
def test_given_short_numbers_dates_and_amounts_when_redacted_then_they_stay(text: str) -> None:
    assert redact(text) == text


def test_given_several_items_when_redacted_then_none_survives() -> None:
    redacted = redact("Anna (anna@example.org, +48 601 234 567) saw it; my number is 0612345678.")

    assert "@" not in redacted
    assert not any(digit in redacted for digit in "0123456789")
