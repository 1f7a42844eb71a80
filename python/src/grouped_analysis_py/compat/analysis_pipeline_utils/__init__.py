"""Drop-in for ``analysis_pipeline_utils`` 0.2.8's analysis-side API: replace the import prefix
``analysis_pipeline_utils`` with ``grouped_analysis_py.compat.analysis_pipeline_utils``."""

from .analysis_dispatch_model import AnalysisDispatchModel
from .utils_analysis_wrapper import run_analysis_jobs

__all__ = ["AnalysisDispatchModel", "run_analysis_jobs"]
