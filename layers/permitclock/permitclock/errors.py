"""Domain errors: each carries a stable machine-readable code and a human message, never a stack trace."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a user may see. `code` is stable; `message` is for people."""

    code = "domain_error"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field

    def as_dict(self) -> dict[str, str]:
        out = {"code": self.code, "message": self.message}
        if self.field:
            out["field"] = self.field
        return out


class BadInput(DomainError):
    """The input is malformed (maps to HTTP 400, CLI exit 2 or a rejected row)."""

    code = "bad_input"


class NotAllowed(DomainError):
    """The caller's role does not permit the action (HTTP 403)."""

    code = "forbidden"


class NotFound(DomainError):
    """The thing does not exist, or is not the caller's (HTTP 404: existence is never leaked)."""

    code = "not_found"


class Conflict(DomainError):
    """The action is illegal in the current state (HTTP 409)."""

    code = "conflict"


class PortalError(Exception):
    """A public data portal did not answer a request after the retries, or answered something it should not
    (`adapters.ckan`); `retryable` says whether retrying could help, `attempts` how many were made."""

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after
        self.attempts = 0


BAD_DATA: tuple[type[Exception], ...] = (BadInput, ValueError, TypeError, ArithmeticError, LookupError)
"""What one bad stored item raises when it is read or rendered (pydantic's ValidationError is a ValueError, a
date past 9999 an OverflowError): a scheduled run records the item and goes on. A failure of AWS (botocore's
ClientError) or of the runtime is none of these: it fails the run, which is retried."""
