"""The grouped-analysis Python analysis example-py (serve it with
``grouped-analysis-py worker --analyses example_py``)."""

from .analysis import analysis

__all__ = ["analysis"]
