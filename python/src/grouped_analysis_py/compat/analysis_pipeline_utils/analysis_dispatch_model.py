"""``analysis_pipeline_utils.analysis_dispatch_model``: the job model a run function receives
(``file_location`` holds the staged sessions' local paths)."""

from ...context import AnalysisDispatchModel

__all__ = ["AnalysisDispatchModel"]
