"""Errors of the gateway (problem+json codes)."""

from __future__ import annotations

from zg_common.errors import NotFound, ServiceUnavailable


class AccountNotFound(NotFound):
    code = "account_not_found"
    title = "Account not found"


class ApiKeyNotFound(NotFound):
    code = "api_key_not_found"
    title = "API key not found"


class OpsUnavailable(ServiceUnavailable):
    code, title = "ops_unavailable", "The live map's files are not installed here"
