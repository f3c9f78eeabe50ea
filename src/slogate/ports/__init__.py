"""The small interfaces (ports) that services depend on and adapters implement, by concern."""

from slogate.ports.catalog import (
    CatalogStore,
    EventContextInfo,
    EventPage,
    ProjectPage,
    ProjectRecord,
    ServiceEvent,
    ServicePage,
    ServiceRecord,
    StageRecord,
)
from slogate.ports.event_store import (
    DispatchStore,
    EvaluationOverview,
    EvaluationSummary,
    EventCriteria,
    EventQueries,
    EventStore,
    FieldMatch,
    PendingEvent,
)
from slogate.ports.integrations import (
    IntegrationMetadata,
    IntegrationRecord,
    IntegrationStore,
)
from slogate.ports.resources import (
    ResourceLevel,
    ResourcePage,
    ResourceReader,
    ResourceStore,
    ScopeChecker,
    SecretReader,
)
from slogate.ports.secrets import (
    SecretInfo,
    SecretStore,
)
from slogate.ports.sequence_store import (
    SequenceStore,
    SequenceWrite,
)
from slogate.ports.sli import (
    DocumentLoader,
    ProviderOptions,
    SLIProvider,
    SLIProviderFactory,
    SLIProviders,
)

__all__ = [
    "CatalogStore",
    "DispatchStore",
    "DocumentLoader",
    "EvaluationOverview",
    "EvaluationSummary",
    "EventContextInfo",
    "EventCriteria",
    "EventPage",
    "EventQueries",
    "EventStore",
    "FieldMatch",
    "IntegrationMetadata",
    "IntegrationRecord",
    "IntegrationStore",
    "PendingEvent",
    "ProjectPage",
    "ProjectRecord",
    "ProviderOptions",
    "ResourceLevel",
    "ResourcePage",
    "ResourceReader",
    "ResourceStore",
    "SLIProvider",
    "SLIProviderFactory",
    "SLIProviders",
    "ScopeChecker",
    "SecretInfo",
    "SecretReader",
    "SecretStore",
    "SequenceStore",
    "SequenceWrite",
    "ServiceEvent",
    "ServicePage",
    "ServiceRecord",
    "StageRecord",
]
