"""grouped-analysis-py: the lab's grouped photometry analysis in Python, on the lab's own PyPI
packages (see analysis.py). Serve it with ``grouped-analysis-py worker --analyses grouped_analysis_lab``."""

from .analysis import Outputs, Parameters, analysis

__all__ = ["Outputs", "Parameters", "analysis"]
