"""Exceptions as the workflow sees them (docs/python-analyses.md, Errors)."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field, ValidationError

from grouped_analysis_py import InvalidInput, InvalidOutput
from grouped_analysis_py.errors import TRACEBACK_FRAMES, to_application_error


def _raised(e: BaseException) -> BaseException:
    try:
        raise e
    except BaseException as caught:  # noqa: BLE001 - we want its traceback
        return caught


def test_validation_error_is_non_retryable_invalid_input() -> None:
    class M(BaseModel):
        bin_size: float = Field(gt=0)
        n: int

    try:
        M.model_validate({"bin_size": 0})
    except ValidationError as e:
        err = to_application_error(e)
    assert (err.type, err.non_retryable) == ("InvalidInput", True)
    assert err.message == "M.bin_size: Input should be greater than 0; M.n: Field required"
    assert err.details[0]["exception_type"] == "pydantic_core._pydantic_core.ValidationError"


def test_invalid_input_keeps_its_file_and_subclass_name() -> None:
    err = to_application_error(_raised(InvalidInput("bad session", file="s3://b/k.nwb")), file="ignored")
    assert (err.type, err.message, err.non_retryable) == ("InvalidInput", "bad session", True)
    assert err.details[0]["file"] == "s3://b/k.nwb"
    out = to_application_error(_raised(InvalidOutput("NaN")))
    assert (out.type, out.non_retryable) == ("InvalidOutput", True)


def test_other_exceptions_are_retryable_unless_listed() -> None:
    err = to_application_error(_raised(ZeroDivisionError("division by zero")), file="file:///s.nwb")
    assert (err.type, err.message, err.non_retryable) == ("ZeroDivisionError", "division by zero", False)
    details = err.details[0]
    assert details["file"] == "file:///s.nwb" and details["exception_type"] == "builtins.ZeroDivisionError"
    assert "test_errors.py" in details["traceback"] and details["traceback"].endswith("ZeroDivisionError: division by zero\n")
    listed = to_application_error(_raised(KeyError("k")), non_retryable=(LookupError,))
    assert (listed.type, listed.non_retryable) == ("KeyError", True)
    assert to_application_error(_raised(RuntimeError())).message == "RuntimeError"


def test_traceback_keeps_the_last_frames() -> None:
    # Twelve distinct nested functions (a recursion's repeated frames would be folded).
    scope: dict = {}
    exec("def f0():\n    raise ValueError('bottom')\n" + "".join(f"def f{i}():\n    f{i - 1}()\n" for i in range(1, 12)), scope)
    with pytest.raises(ValueError) as e:
        scope["f11"]()
    text = to_application_error(e.value).details[0]["traceback"]
    assert text.count('File "') == TRACEBACK_FRAMES and "in f0" in text and "in f11" not in text


def test_os_error_names_its_file() -> None:
    try:
        open("/no/such/file.nwb")
    except OSError as e:
        err = to_application_error(e, file="other")
    assert err.details[0]["file"] == "/no/such/file.nwb" and err.type == "FileNotFoundError"
