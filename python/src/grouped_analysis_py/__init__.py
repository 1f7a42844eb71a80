"""grouped-analysis-py: write a Python analysis once, run it per mouse as durable Temporal
workflows of grouped-analysis (see python/README.md)."""

from ._version import __version__
from .analysis import Analysis, AnalysisDefinitionError
from .context import AnalysisDispatchModel, Cancelled, RunContext, SessionInput
from .errors import InvalidInput, InvalidOutput

__all__ = [
    "Analysis",
    "AnalysisDefinitionError",
    "AnalysisDispatchModel",
    "Cancelled",
    "InvalidInput",
    "InvalidOutput",
    "RunContext",
    "SessionInput",
    "__version__",
]
