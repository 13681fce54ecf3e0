"""Access's per-process state, filled at start-up, and its runtime type."""

from __future__ import annotations

from dataclasses import dataclass, field

from zg_access.config import AccessSettings
from zg_access.personal import Vault
from zg_access.sms import SmsSender
from zg_common.app import Runtime


@dataclass
class State:
    vault: Vault = field(init=False)  # residents' personal data: encryption, lookup hash
    sms: SmsSender = field(init=False)  # link codes to residents' phones


AccessRuntime = Runtime[AccessSettings, State]
