"""Keptn's uniform routes: integrations (remote executors) register, send heartbeats and subscribe."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict

from slogate.api.auth import principal_of
from slogate.api.context import ServerContext, server_context
from slogate.domain.access import visible
from slogate.domain.protocol.ingestion import format_rfc3339
from slogate.domain.protocol.subscriptions import Subscription
from slogate.ports import IntegrationMetadata, IntegrationRecord
from slogate.services.usecases.integrations import IntegrationService, Registration, SubscriptionRequest

BASE = "/api/controlPlane/v1/uniform/registration"

router = APIRouter(prefix=BASE, tags=["uniform"])


class _Body(BaseModel):
    """A request body: unknown fields are ignored, as Keptn's decoder (gin's default) ignores them."""

    model_config = ConfigDict(extra="ignore")


class FilterIn(_Body):
    """Keptn's ``EventSubscriptionFilter``; a list that is absent or null is "not sent"."""

    projects: list[str] | None = None
    stages: list[str] | None = None
    services: list[str] | None = None


class SubscriptionIn(_Body):
    """Keptn's ``EventSubscription``; an ``id`` in the body is ignored (the server assigns it)."""

    event: str | None = None
    filter: FilterIn | None = None

    def request(self) -> SubscriptionRequest:
        """The subscription as the service takes it."""
        given = self.filter or FilterIn()
        return SubscriptionRequest(
            event=self.event or "",
            projects=_tuple(given.projects),
            stages=_tuple(given.stages),
            services=_tuple(given.services),
        )


class KubernetesMetadataIn(_Body):
    """``metadata.kubernetesmetadata``."""

    namespace: str | None = None
    podname: str | None = None
    deploymentname: str | None = None


class MetadataIn(_Body):
    """``metadata``; a ``lastseen`` in the body is ignored (the server sets it)."""

    hostname: str | None = None
    integrationversion: str | None = None
    distributorversion: str | None = None
    location: str | None = None
    kubernetesmetadata: KubernetesMetadataIn | None = None

    def metadata(self) -> IntegrationMetadata:
        """The metadata as the service takes it (absent fields are empty)."""
        kubernetes = self.kubernetesmetadata or KubernetesMetadataIn()
        return IntegrationMetadata(
            hostname=self.hostname or "",
            integration_version=self.integrationversion or "",
            distributor_version=self.distributorversion or "",
            location=self.location or "",
            namespace=kubernetes.namespace or "",
            pod_name=kubernetes.podname or "",
            deployment_name=kubernetes.deploymentname or "",
        )


class IntegrationIn(_Body):
    """The body of ``POST /uniform/registration``: Keptn's ``Integration`` (its ``id`` is ignored)."""

    name: str | None = None
    metadata: MetadataIn | None = None
    subscriptions: list[SubscriptionIn] | None = None

    def registration(self) -> Registration:
        """The registration as the service takes it."""
        return Registration(
            name=self.name or "",
            metadata=(self.metadata or MetadataIn()).metadata(),
            subscriptions=tuple(subscription.request() for subscription in self.subscriptions or ()),
        )


def _tuple(values: list[str] | None) -> tuple[str, ...] | None:
    return None if values is None else tuple(values)


def integration_service(context: ServerContext = Depends(server_context)) -> IntegrationService:  # noqa: B008
    """FastAPI dependency: the uniform registry of the server."""
    return context.integrations


_service = Depends(integration_service)


# --- Keptn's JSON models ---------------------------------------------------------------------------


def subscription_json(subscription: Subscription) -> dict[str, Any]:
    """Keptn's ``EventSubscription`` (filter lists are ``[]`` when empty, never null)."""
    return {
        "id": subscription.id,
        "event": subscription.event,
        "filter": {
            "projects": list(subscription.filter.projects),
            "stages": list(subscription.filter.stages),
            "services": list(subscription.filter.services),
        },
    }


def integration_json(integration: IntegrationRecord) -> dict[str, Any]:
    """Keptn's ``Integration`` with ``metadata.lastseen`` in RFC 3339."""
    metadata = integration.metadata
    return {
        "id": integration.id,
        "name": integration.name,
        "metadata": {
            "hostname": metadata.hostname,
            "integrationversion": metadata.integration_version,
            "distributorversion": metadata.distributor_version,
            "location": metadata.location,
            "kubernetesmetadata": {
                "namespace": metadata.namespace,
                "podname": metadata.pod_name,
                "deploymentname": metadata.deployment_name,
            },
            "lastseen": format_rfc3339(integration.last_seen),
        },
        "subscriptions": [subscription_json(subscription) for subscription in integration.subscriptions],
    }


# --- registrations -------------------------------------------------------------------------------


@router.get("", summary="List registered integrations")
def list_integrations(
    request: Request,
    service: IntegrationService = _service,
    integration_id: str | None = Query(None, alias="id"),
    name: str | None = None,
    project: str | None = None,
    stage: str | None = None,
    service_name: str | None = Query(None, alias="service"),
) -> list[dict[str, Any]]:
    """The live registrations, sorted by name; ``project``/``stage``/``service`` select those with a
    subscription whose filter list contains the value or is empty."""
    found = service.integrations(integration_id, name, project, stage, service_name)
    return [integration_json(integration) for integration in found if _shown_to(request, integration)]


def _shown_to(request: Request, integration: IntegrationRecord) -> bool:
    """Admins and auditors see every registration; others those whose subscriptions name only projects
    they may read (or none: an integration for every project)."""
    principal = principal_of(request)
    if principal.sees_everything:
        return True
    named = {project for s in integration.subscriptions for project in s.filter.projects}
    return len(visible(principal, named)) == len(named)


@router.post(
    "",
    status_code=201,
    summary="Register an integration",
    response_description="A new registration",
    responses={
        200: {
            "description": "The registration of the same name and namespace, its subscriptions kept "
            "and its versions and last-seen time updated"
        }
    },
)
def register(
    body: IntegrationIn, response: Response, service: IntegrationService = _service
) -> dict[str, str]:
    """201 ``{id}`` for a new registration; 200 ``{id}`` when one with the same name and namespace was
    registered (its subscriptions kept, its versions and last-seen time updated, as in Keptn)."""
    registered = service.register(body.registration())
    response.status_code = 201 if registered.created else 200
    return {"id": registered.id}


@router.delete("/{integration_id}", summary="Unregister an integration")
def unregister(integration_id: str, service: IntegrationService = _service) -> dict[str, Any]:
    """200 ``{}``; the registration and its subscriptions are gone."""
    service.unregister(integration_id)
    return {}


@router.put("/{integration_id}/ping", summary="Heartbeat of an integration")
def ping(integration_id: str, service: IntegrationService = _service) -> dict[str, Any]:
    """Refresh the last-seen time; the registration with its subscriptions."""
    return integration_json(service.ping(integration_id))


# --- subscriptions -------------------------------------------------------------------------------


@router.get("/{integration_id}/subscription", summary="List the subscriptions of an integration")
def list_subscriptions(integration_id: str, service: IntegrationService = _service) -> list[dict[str, Any]]:
    """The subscriptions in order (``[]`` when there are none)."""
    return [subscription_json(subscription) for subscription in service.subscriptions(integration_id)]


@router.post("/{integration_id}/subscription", status_code=201, summary="Add a subscription")
def create_subscription(
    integration_id: str, body: SubscriptionIn, service: IntegrationService = _service
) -> dict[str, str]:
    """201 ``{id}`` with the new subscription's id."""
    return {"id": service.create_subscription(integration_id, body.request())}


@router.get("/{integration_id}/subscription/{subscription_id}", summary="Get a subscription")
def get_subscription(
    integration_id: str, subscription_id: str, service: IntegrationService = _service
) -> dict[str, Any]:
    """One subscription."""
    return subscription_json(service.subscription(integration_id, subscription_id))


@router.put(
    "/{integration_id}/subscription/{subscription_id}", status_code=201, summary="Replace a subscription"
)
def update_subscription(
    integration_id: str, subscription_id: str, body: SubscriptionIn, service: IntegrationService = _service
) -> dict[str, str]:
    """201 ``{id}``, as Keptn answers; an unknown subscription id is added under that id."""
    return {"id": service.update_subscription(integration_id, subscription_id, body.request())}


@router.delete("/{integration_id}/subscription/{subscription_id}", summary="Delete a subscription")
def delete_subscription(
    integration_id: str, subscription_id: str, service: IntegrationService = _service
) -> dict[str, Any]:
    """200 ``{}``."""
    service.delete_subscription(integration_id, subscription_id)
    return {}
