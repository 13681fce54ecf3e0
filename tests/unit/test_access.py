"""The access service's personal-data rules without a database: encryption bound to its row and
field, key rotation, the keyed lookup, the masks, the ID number's check character, the SMS
senders, and the event contracts that may carry no personal field."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import date
from typing import Any

import httpx
import pytest

from zg_access.config import AccessSettings
from zg_access.exceptions import SmsUnavailable
from zg_access.occupancy import week_days, week_of
from zg_access.personal import (
    PersonalDataError,
    Vault,
    mask_id,
    mask_name,
    mask_phone,
    normal_id,
    resident_id_valid,
)
from zg_access.sms import HttpSender, LogSender, sender
from zg_common.contracts import access

DATA, LOOKUP = "d" * 48, "l" * 48


def test_a_sealed_value_opens_only_in_its_row_and_field() -> None:
    vault = Vault(DATA, LOOKUP)
    row = uuid.uuid4()
    sealed = vault.seal("13812345678", row=row, field="phone")
    assert b"13812345678" not in sealed
    assert vault.open(sealed, row=row, field="phone") == "13812345678"
    assert vault.seal("13812345678", row=row, field="phone") != sealed  # a fresh nonce
    with pytest.raises(PersonalDataError):
        vault.open(sealed, row=uuid.uuid4(), field="phone")  # copied into another row
    with pytest.raises(PersonalDataError):
        vault.open(sealed, row=row, field="name")
    with pytest.raises(PersonalDataError):
        Vault("x" * 48, LOOKUP).open(sealed, row=row, field="phone")  # another key
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(PersonalDataError):
        vault.open(tampered, row=row, field="phone")


def test_a_rotated_key_still_reads_what_the_old_one_wrote() -> None:
    row = uuid.uuid4()
    old = Vault(DATA, LOOKUP).seal("王小明", row=row, field="name")
    rotated = Vault("n" * 48, LOOKUP, old=[DATA])
    assert rotated.open(old, row=row, field="name") == "王小明"
    fresh = rotated.seal("王小明", row=row, field="name")
    with pytest.raises(PersonalDataError):
        Vault(DATA, LOOKUP).open(fresh, row=row, field="name")  # written with the new key


def test_the_lookup_finds_one_document_however_it_is_typed() -> None:
    vault = Vault(DATA, LOOKUP)
    a = vault.lookup("resident_id", "11010519491231002x")
    assert a == vault.lookup("resident_id", " 110105 19491231 002X")
    assert a == vault.lookup("resident_id", normal_id("１１０１０５１９４９１２３１００２Ｘ"))
    assert a != vault.lookup("passport", "11010519491231002X")
    assert a != Vault(DATA, "other" * 10).lookup("resident_id", "11010519491231002X")
    assert "11010519491231002X" not in a
    with pytest.raises(ValueError, match="differ"):
        Vault(DATA, DATA)


def test_the_masks_show_only_what_identifies_nobody() -> None:
    assert mask_id("340104199001011234") == "3401**********1234"
    assert mask_id("E12345678") == "E*******8"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("王小明") == "王**"
    assert mask_name("李") == "李*"


def test_resident_id_numbers_need_their_check_character() -> None:
    assert resident_id_valid("11010519491231002X")
    assert not resident_id_valid("110105194912310021")
    assert not resident_id_valid("1101051949123100")


async def test_the_development_sender_logs_the_code_but_not_the_phone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="zg_access.sms"):
        await LogSender().send("13812345678", "验证码为 123456")
    assert "138****5678" in caplog.text and "123456" in caplog.text
    assert "13812345678" not in caplog.text


async def test_the_http_sender_posts_to_the_provider_and_says_when_it_fails() -> None:
    seen: list[dict[str, Any]] = []

    def provider(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content) | {"auth": request.headers["authorization"]})
        return httpx.Response(200 if len(seen) == 1 else 502)

    sms = HttpSender("https://sms.example/send", "t", transport=httpx.MockTransport(provider))
    await sms.send("13812345678", "hello")
    assert seen == [{"phone": "13812345678", "text": "hello", "auth": "Bearer t"}]
    with pytest.raises(SmsUnavailable):
        await sms.send("13812345678", "again")
    await sms.close()


def test_the_log_sender_is_refused_in_production() -> None:
    with pytest.raises(ValueError, match="production"):
        sender(AccessSettings(environment="production"))
    with pytest.raises(ValueError, match="https"):
        sender(AccessSettings(sms_sender="http", sms_http_url="http://sms.example/send"))


PERSONAL = {"name", "id_number", "id_type", "phone", "card", "card_number", "resident_id"}
PERSONAL |= {"household", "app_sub", "sub", "person", "resident", "cards"}


def _fields(schema: dict[str, Any]) -> set[str]:
    names = set(schema.get("properties", {}))
    for nested in schema.get("$defs", {}).values():
        names |= _fields(nested)
    return names


@pytest.mark.parametrize("contract", access.CONTRACTS, ids=lambda c: c.event_type)
def test_no_access_event_has_a_personal_field(contract: Any) -> None:
    fields = _fields(contract.model_json_schema())
    assert fields, "the scan sees the fields"
    assert fields & PERSONAL == set(), f"{contract.event_type} carries {fields & PERSONAL}"


def test_an_iso_week_is_its_monday_to_sunday() -> None:
    assert week_days("2026-W49") == (date(2026, 11, 30), date(2026, 12, 6))
    assert week_days("2026-W01") == (date(2025, 12, 29), date(2026, 1, 4))
    assert week_days("2026-W54") is None and week_days("0000-W01") is None
    assert week_of(date(2026, 12, 7)) == ("2026-W50", date(2026, 12, 7), date(2026, 12, 13))
