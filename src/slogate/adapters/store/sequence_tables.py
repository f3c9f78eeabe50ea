"""The sequence engine's tables: executions (Keptn's documents with indexed columns) and paused contexts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .tables import JSON_DOCUMENT, Base, UTCDateTime


class SequenceExecutionRow(Base):
    """One execution: its ``SequenceExecution`` document and the columns the queries filter on.

    ``seq`` is the creation order. ``deadline`` is when the engine must look at the execution again
    without an event (null when only an event or a command can move it). The unique constraint on
    (project, triggered_id) makes a second execution of the same trigger impossible.
    """

    __tablename__ = "sequence_executions"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String)
    project: Mapped[str] = mapped_column(String)
    stage: Mapped[str] = mapped_column(String)
    service: Mapped[str] = mapped_column(String)
    keptn_context: Mapped[str] = mapped_column(String)
    triggered_id: Mapped[str] = mapped_column(String)
    name: Mapped[str] = mapped_column(String)
    state: Mapped[str] = mapped_column(String)
    triggered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    current_task_id: Mapped[str] = mapped_column(String, default="")  # "" when no task is open
    document: Mapped[dict[str, Any]] = mapped_column(JSON_DOCUMENT)

    __table_args__ = (
        Index("ux_sequence_executions_id", "id", unique=True),
        UniqueConstraint("project", "triggered_id"),
        # a decision's snapshot: the unfinished executions of some services
        Index("ix_sequence_executions_project_service_state", "project", "service", "state"),
        # a context's executions (snapshot of a control command, the state view)
        Index("ix_sequence_executions_project_keptn_context", "project", "keptn_context"),
        # listings, newest first
        Index("ix_sequence_executions_project_triggered_at", "project", "triggered_at", "seq"),
        Index("ix_sequence_executions_project_stage", "project", "stage"),
        Index("ix_sequence_executions_project_name", "project", "name"),
        Index("ix_sequence_executions_project_state", "project", "state"),
        # what becomes due without an event, across projects
        Index("ix_sequence_executions_deadline", "deadline"),
        # the task triggers executors may still take (GET /event/triggered/{type})
        Index("ix_sequence_executions_current_task_id", "current_task_id"),
    )


class SequencePauseRow(Base):
    """A paused context of a project, in one stage or (stage "") in all."""

    __tablename__ = "sequence_pauses"

    project: Mapped[str] = mapped_column(String, primary_key=True)
    keptn_context: Mapped[str] = mapped_column(String, primary_key=True)
    stage: Mapped[str] = mapped_column(String, primary_key=True)
