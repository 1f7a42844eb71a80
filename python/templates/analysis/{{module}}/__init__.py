"""The grouped-analysis Python analysis {{name}} (serve it with
``grouped-analysis-py worker --analyses {{module}}``)."""

from .analysis import analysis

__all__ = ["analysis"]
