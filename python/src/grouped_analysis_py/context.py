"""What an analysis function is given besides its parameters: the job's inputs and a context."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


@dataclass(frozen=True)
class SessionInput:
    """One session of the job, staged: ``path`` is a local path to the HDF5 file or the Zarr
    folder (a downloaded copy of an S3 session, named as the original; a local session itself).
    ``format`` is ``"hdf5"`` or ``"zarr"``."""

    uri: str
    path: Path
    fingerprint: str
    format: Literal["hdf5", "zarr"]


class AnalysisDispatchModel(BaseModel):
    """The lab's job model (``analysis_pipeline_utils.analysis_dispatch_model``), as a job-mode
    ``run`` function receives it.

    ``s3_location`` holds the job's original locations; ``file_location`` the LOCAL paths of the
    staged sessions (in session order), so upstream code that opens ``file_location`` works
    unchanged.
    """

    model_config = ConfigDict(extra="ignore")

    s3_location: list[str] = Field(..., description="Location of each data asset of the job, as dispatched.")
    asset_name: list[str] | None = Field(None, description="Name of each data asset, when the job file had them.")
    asset_id: list[str] | None = Field(None, description="Id of each data asset (older job files).")
    docdb_record_id: list[str] = Field(default_factory=list, description="Metadata-database record ids (not carried by the workflow: empty).")
    file_location: list[str] | None = Field(None, description="Local path of each staged session file or Zarr folder.")
    distributed_parameters: dict[str, Any] | None = Field(None, description="Not carried by the workflow: the run's merged, validated parameters are the params argument.")
    group_metadata: dict[str, Any] | None = Field(None, description='The shared metadata of the group, e.g. {"subject.subject_id": "697062"}.')
    query: str | None = Field(None, description="The metadata query that selected the assets (not carried by the workflow).")
    analysis_code: dict[str, Any] | None = Field(None, description="Upstream code record (not carried by the workflow).")


class Cancelled(Exception):
    """Raised by :meth:`RunContext.heartbeat` once the activity has been cancelled (the run was
    cancelled or timed out, or the worker is shutting down past its grace period)."""


@dataclass
class RunContext:
    """The context of one analysis call.

    - ``results_dir``: an empty folder; every file written under it is uploaded (relative paths
      are kept: ``figures/x.png`` becomes ``<run>/figures/x.png``).
    - ``scratch_dir``: a folder for temporary files, deleted after the call.
    - ``subject_id``: the mouse.
    - ``sessions``: job mode: the job's sessions in order, each staged; ``per_session``: the one
      session; ``group``: empty (put what ``group`` needs about a session into its partial).
    - ``warn(msg)``: adds a warning to the run's record.
    - ``heartbeat(detail)``: reports progress (optional: the worker heartbeats on its own while the
      function runs); raises :class:`Cancelled` if the activity was cancelled.
    """

    results_dir: Path
    scratch_dir: Path
    subject_id: str
    sessions: list[SessionInput]
    warnings: list[str] = field(default_factory=list)
    _beat: Callable[[Any], None] = field(default=lambda detail: None, repr=False)
    _cancelled: threading.Event = field(default_factory=threading.Event, repr=False)

    def warn(self, message: str) -> None:
        """Record a warning for this run (shown in the record and the report)."""
        self.warnings.append(str(message))

    def heartbeat(self, detail: Any = None) -> None:
        """Report progress to Temporal; raises :class:`Cancelled` if the activity was cancelled."""
        if self._cancelled.is_set():
            raise Cancelled("the activity was cancelled")
        self._beat(detail)
