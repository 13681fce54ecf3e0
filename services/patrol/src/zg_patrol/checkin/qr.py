"""Patrol's point codes (`zg_common.pointcodes`): issued with the point's current serial and
signed with patrol's key; read back with the keyring (patrol's own public key and the retired
ones still trusted, `ZG_QR_PUBLIC_KEYS`), the serial compared with the point's (a reissued
point's older cards are void) and, for check-ins, the age."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.pointcodes import CodeRefused, Keyring, Signer, check_current
from zg_patrol.config import PatrolSettings
from zg_patrol.exceptions import QrNotConfigured
from zg_patrol.models import PatrolPoint
from zg_patrol.territory import service as territory

__all__ = ["CodeRefused", "PointCodes"]


@dataclass(frozen=True)
class PointCodes:
    signer: Signer
    keyring: Keyring

    @staticmethod
    def of(settings: PatrolSettings) -> PointCodes:
        if settings.qr_secret is None:
            raise QrNotConfigured("Set ZG_PATROL_QR_SECRET to issue and check point codes")
        return PointCodes.from_secret(
            settings.qr_secret.get_secret_value(), tuple(settings.qr_public_keys)
        )

    @staticmethod
    @cache
    def from_secret(secret: str, retired_public_keys: tuple[str, ...] = ()) -> PointCodes:
        signer = Signer(secret)
        return PointCodes(signer, Keyring([signer.public_key, *retired_public_keys]))

    def issue(self, point: PatrolPoint, day: date) -> str:
        return self.signer.issue(point.id, point.code_serial, day)

    async def point_of(
        self, session: AsyncSession, token: str, *, today: date, valid_days: int | None
    ) -> PatrolPoint:
        """The point in service a genuine, current code stands for; else `CodeRefused`."""
        code = self.keyring.read(token)
        point = await territory.find_point(session, code.point_id)
        if point is None:
            raise CodeRefused("unknown_point", f"no patrol point {code.point_id} in service")
        check_current(code, serial=point.code_serial, today=today, valid_days=valid_days)
        return point
