"""Text messages to residents' phones (the link codes): a pluggable sender. `log` writes the
message to the service's log (development and tests; refused in production); `http` posts it
to the operator's SMS gateway (`ZG_ACCESS_SMS_HTTP_URL`, bearer `ZG_ACCESS_SMS_HTTP_TOKEN`)."""

from __future__ import annotations

import logging
from typing import Protocol

import httpx

from zg_access.config import AccessSettings
from zg_access.exceptions import SmsUnavailable
from zg_access.personal import mask_phone

log = logging.getLogger(__name__)


class SmsSender(Protocol):
    async def send(self, phone: str, text: str) -> None: ...

    async def close(self) -> None: ...


class LogSender:
    """Development: the message in the log, where a developer (or a test) reads the code; the
    phone masked (no personal data in logs)."""

    async def send(self, phone: str, text: str) -> None:
        log.info("SMS (development sender) to %s: %s", mask_phone(phone), text)

    async def close(self) -> None:
        return None


class HttpSender:
    """An SMS provider's HTTPS API: `POST {url}` with `{"phone": ..., "text": ...}`."""

    def __init__(
        self, url: str, token: str | None, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.url = url
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.client = httpx.AsyncClient(
            timeout=10,
            headers=headers,
            follow_redirects=False,
            trust_env=False,
            transport=transport,
        )

    async def send(self, phone: str, text: str) -> None:
        try:
            response = await self.client.post(self.url, json={"phone": phone, "text": text})
        except httpx.HTTPError as exc:
            raise SmsUnavailable(f"the SMS gateway could not be reached: {exc!r}") from exc
        if response.status_code >= 300:
            raise SmsUnavailable(f"the SMS gateway answered {response.status_code}")

    async def close(self) -> None:
        await self.client.aclose()


def sender(settings: AccessSettings) -> SmsSender:
    if settings.sms_sender == "http":
        if not settings.sms_http_url or not settings.sms_http_url.startswith("https://"):
            raise ValueError("ZG_ACCESS_SMS_SENDER=http needs an https:// ZG_ACCESS_SMS_HTTP_URL")
        token = settings.sms_http_token.get_secret_value() if settings.sms_http_token else None
        return HttpSender(settings.sms_http_url, token)
    if settings.environment == "production":
        raise ValueError("the log SMS sender writes codes to the log: not in production")
    return LogSender()
