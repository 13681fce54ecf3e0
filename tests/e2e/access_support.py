"""What the smart-access tests act with: made-up residents (ID numbers with a right check
character, phones), the demo access-control vendor's key, the compounds of the data set, a
registration through the gateway, swipes, and the link code read from the development SMS
sender's log line."""

from __future__ import annotations

import random
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.conftest import Platform, demo_credentials
from tests.e2e.support import refdata
from tests.helpers import eventually

# every person registered in the run, with their cards: what no event may hold
REGISTERED: list[dict[str, Any]] = []
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def an_id_number() -> str:
    """A made-up resident identity card number of Hefei (3401..) with a right check character."""
    body = f"340104{random.randint(1950, 2005)}{random.randint(1, 12):02d}"
    body += f"{random.randint(1, 28):02d}{random.randint(0, 999):03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


def a_phone() -> str:
    return f"139{random.randint(0, 99_999_999):08d}"


def vendor(platform: Platform) -> dict[str, str]:
    keys = demo_credentials(platform)["api_keys"]
    key = next(k["key"] for k in keys if k["name"] == "access-control vendor (demo)")
    return {"X-API-Key": key}


def compound(compound_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in refdata("compounds.json") if c["id"] == compound_id)
    return found


async def a_free_household(client: httpx.AsyncClient, compound_id: str) -> str:
    response = await client.get(f"/api/v1/access/compounds/{compound_id}/households")
    assert response.status_code == 200, response.text
    free: list[str] = [h["number"] for h in response.json()["households"] if h["residents"] == 0]
    return random.choice(free)


async def register(
    client: httpx.AsyncClient, compound_id: str, **overrides: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    person = {
        "compound_id": compound_id,
        "household": await a_free_household(client, compound_id),
        "name": "测试居民" + uuid.uuid4().hex[:4],
        "id_number": an_id_number(),
        "phone": a_phone(),
        "arrived_on": (date.today() - timedelta(days=30)).isoformat(),
        "tenure": "tenant",
    } | overrides
    response = await client.post("/api/v1/access/residents", json=person)
    assert response.status_code == 201, response.text
    REGISTERED.append(person | {"cards": [c["number"] for c in response.json()["cards"]]})
    return person, response.json()


async def swipe(
    client: httpx.AsyncClient, key: dict[str, str], gate_id: str, card: str, *, n: int = 1
) -> dict[str, Any]:
    now = datetime.now(UTC)
    body = {
        "swipes": [
            {
                "ref": uuid.uuid4().hex,
                "gate_id": gate_id,
                "card_number": card,
                "at": (now - timedelta(seconds=n - i)).isoformat(),
                "accepted": False,
            }
            for i in range(n)
        ]
    }
    response = await client.post("/api/v1/access/swipes", json=body, headers=key)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def masked_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:]


async def sms_code(platform: Platform, phone: str, since: int) -> str:
    """The code the development SMS sender logged for this phone (masked in the log) after the
    log's byte `since`."""
    log = Path(platform.log)

    async def the_code() -> str | None:
        text = log.read_bytes()[since:].decode(errors="replace")
        assert phone not in text, "no phone in the log"
        found = re.search(re.escape(masked_phone(phone)) + r".*?验证码为 (\d{6})", text)
        return found.group(1) if found else None

    code: str = await eventually(the_code, timeout=10, what="the SMS in the development log")
    return code
