"""The one exception tree of slogate; every error has a human message and a stable code.

SlogateError                     slogate_error        raised on purpose; never a traceback to the user
├── InputError                   invalid_input        a user's file, argument or request is unusable
│   ├── DocumentError            invalid_document     a YAML or JSON file does not parse
│   │   └── DocumentLimitError   document_limit       it breaks a size, depth or alias limit (a YAML bomb)
│   ├── NotFoundError            not_found            a named thing (an evaluation, a project) does not exist
│   ├── TooLargeError            too_large            a request body passes its limit
│   ├── domain.evaluation        CriterionError invalid_criterion, InvalidPassCriterionError
│   │                            invalid_pass_criterion, WindowError invalid_window, SLOParseError
│   │                            invalid_slo, TotalScoreError invalid_total_score
│   ├── domain.protocol          PayloadError invalid_payload, RejectedEventError rejected_event
│   ├── domain.sequencing        ShipyardError invalid_shipyard, EntityNameError invalid_name,
│   │                            ExecutorPlanError invalid_executor_plan
│   └── adapters                 QueryError invalid_query (promql), SLIError sli_failed (vendor providers),
│                                QueryFormError invalid_dynatrace_query, ResultError no_single_value,
│                                InvalidQueryError invalid_datadog_query,
│                                WebhookConfigError invalid_webhook,
│                                RequestError invalid_request (TemplateError invalid_template, CurlError
│                                invalid_curl), WebhookError webhook_failed
├── ConflictError                conflict             the request contradicts what is stored
│   └── LeaseLostError           lease_lost           another replica took a listener over (ports.leases)
├── ConfigError                  invalid_config       slogate itself is misconfigured
│   ├── PluginError              invalid_plugin       an SLI provider or executor plugin is missing or misfits
│   └── CredentialsRefusedError  credentials_refused  a metrics vendor answered 401/403 (adapters.providers)
├── CallError                    vendor_call_failed   a metrics vendor gave no usable answer (providers)
├── StoredDataError              invalid_stored_data  a stored document cannot be read (SequenceDocumentError)
├── MissingFactError             missing_fact         a bug: decide() read a fact its caller did not load
├── ApiError                     api_error            an HTTP answer with Keptn's exact status (api.errors)
├── ActionError                  action_refused       the Bridge refuses a sequence action (web)
├── LoginRequiredError           login_required       the Bridge sends the browser to its login (web.pages)
├── RefusedError                 bridge_refused       a Bridge user lacks the role for a button (web.access)
└── OidcLoginError               oidc_login_failed    an OpenID login to the Bridge failed (ports.oidc)

Domain errors are also ``ValueError``s (the domain's parsers raised those before). Mapped once: to
Keptn's ``{code, message}`` by ``slogate.api.errors`` (the HTTP status by ``status_of``), and to the
CLI's one-line error and exit code by ``slogate.cli.errors``.
"""

from __future__ import annotations


class SlogateError(Exception):
    """Root of every error slogate raises on purpose."""

    code = "slogate_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputError(SlogateError):
    """A file or argument given by the user cannot be used; the message says which and why."""

    code = "invalid_input"


class DocumentError(InputError):
    """A YAML or JSON document does not parse; ``detail`` is the reason without the file name."""

    code = "invalid_document"

    def __init__(self, source: str, detail: str) -> None:
        super().__init__(f"{source}: {detail}")
        self.detail = detail


class DocumentLimitError(DocumentError):
    """A YAML document breaks a parsing limit (size, nesting depth, alias expansion); ``detail`` names it."""

    code = "document_limit"


class NotFoundError(InputError):
    """A thing the user named does not exist."""

    code = "not_found"


class TooLargeError(InputError):
    """A request body is larger than its limit."""

    code = "too_large"


class ConflictError(SlogateError):
    """The request contradicts what is already stored, e.g. an event whose id exists; nothing was changed."""

    code = "conflict"


class ConfigError(SlogateError):
    """slogate's own configuration is invalid."""

    code = "invalid_config"


class StoredDataError(SlogateError):
    """Something slogate stored itself cannot be read back (a damaged or foreign document)."""

    code = "invalid_stored_data"
