"""Domain errors of intake, each a problem+json with a stable code."""

from zg_common.errors import Conflict, FieldError, NotFound, ValidationFailed


def unknown_category(code: str) -> ValidationFailed:
    return ValidationFailed(
        f"{code!r} is not a minor category code (see GET /api/v1/categories)",
        errors=[
            FieldError(
                field="category",
                code="unknown_category",
                message=f"{code!r} is not a minor category code",
            )
        ],
    )


def outside_district(lat: float, lon: float) -> ValidationFailed:
    message = f"({lat}, {lon}) is outside the district served by this platform"
    return ValidationFailed(
        message,
        errors=[
            FieldError(field=f, code="outside_district", message=message) for f in ("lat", "lon")
        ],
    )


class MediaNotFound(NotFound):
    code = "media_not_found"
    title = "Media not found"


class ExternalRefTaken(Conflict):
    code = "external_ref_exists"
    title = "A case with this external reference exists"


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"
    title = "This Idempotency-Key was used with another request"


def invalid_field(field: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors=[FieldError(field=field, code=code, message=message)])


class CaseStateConflict(Conflict):
    code = "case_state_conflict"
    title = "The case is not in a state that allows this"


class AlreadyRated(Conflict):
    code = "already_rated"
    title = "This case was rated already"


class WebhookNotFound(NotFound):
    code = "webhook_not_found"
    title = "Webhook subscription not found"
