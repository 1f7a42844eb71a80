"""Errors an analysis may raise, and how every exception becomes a Temporal ``ApplicationError``.

The mapping is the contract in docs/python-analyses.md: validation problems and
:class:`InvalidInput` fail the workflow for good (retrying cannot mend bad input); anything
else is retried by the workflow's retry policy unless the analysis lists its class in
``non_retryable``.
"""

from __future__ import annotations

import traceback
from typing import Any

from pydantic import ValidationError
from temporalio.exceptions import ApplicationError

#: Frames of the traceback kept in the error details (the record shows them).
TRACEBACK_FRAMES = 8


class InvalidInput(Exception):
    """Bad input (a session file, a parameter, a job): the run fails without retries.

    ``file`` names the offending file or URI; the workflow copies it into the failed record.
    Subclasses keep these semantics and report their own class name as the error type.
    """

    def __init__(self, message: str, file: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file


class InvalidOutput(InvalidInput):
    """The analysis returned something its declared outputs cannot hold (not retried: the same
    code would return it again)."""


class CodeVersionMismatch(Exception):
    """The run was keyed for another code version of the analysis than this worker loaded
    (retryable: a worker of that version may pick it up)."""


class AnalysisNotServed(Exception):
    """This worker does not load the analysis (retryable: another worker may serve it)."""


def format_validation_error(error: ValidationError, prefix: str = "") -> str:
    """``parameters.bin_size: Input should be greater than 0; parameters.x: Field required``."""
    parts = []
    for e in error.errors(include_url=False):
        loc = ".".join(str(p) for p in e["loc"])
        path = f"{prefix}.{loc}" if prefix and loc else (prefix or loc or "(root)")
        parts.append(f"{path}: {e['msg']}")
    return "; ".join(parts)


def _traceback_text(e: BaseException) -> str:
    frames = traceback.extract_tb(e.__traceback__)[-TRACEBACK_FRAMES:]
    return "".join(traceback.format_list(frames)) + "".join(traceback.format_exception_only(type(e), e))


def to_application_error(
    e: BaseException,
    non_retryable: tuple[type[BaseException], ...] = (),
    file: str | None = None,
) -> ApplicationError:
    """The ``ApplicationError`` the workflow sees for ``e``.

    ``details[0]`` is ``{"file", "exception_type", "traceback"}``; ``file`` is the exception's own
    (``InvalidInput.file``, ``OSError.filename``) or else the given one (the session being
    processed).
    """
    if isinstance(e, ApplicationError):
        return e
    own_file: Any = getattr(e, "file", None) or getattr(e, "filename", None)
    details = {
        "file": str(own_file) if own_file is not None else file,
        "exception_type": f"{type(e).__module__}.{type(e).__qualname__}",
        "traceback": _traceback_text(e),
    }
    if isinstance(e, ValidationError):
        message = format_validation_error(e, e.title)
        return ApplicationError(message, details, type="InvalidInput", non_retryable=True)
    if isinstance(e, InvalidInput):
        return ApplicationError(e.message, details, type=type(e).__name__, non_retryable=True)
    message = str(e) or type(e).__name__
    return ApplicationError(message, details, type=type(e).__name__, non_retryable=isinstance(e, non_retryable))
