"""OpenAPI post-processing: answers that come from middleware rather than from a view."""

from __future__ import annotations

from typing import Any

from readiness.text import NO_CONTROL_CHARACTERS_PATTERN

MFA_REQUIRED = (
    "Or, with `code` `mfa_required`: one of your organizations requires two-factor "
    "authentication of your role and you have not set it up (sign in to the site to do it). "
    "Sessions only; API tokens are not concerned."
)


def document_mfa_required(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """Every operation a session can call may answer 403 from
    readiness.middleware.MfaRequiredMiddleware, with the usual error body plus ``code``."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            schemes = {name for entry in operation.get("security", []) for name in entry}
            if "cookieAuth" not in schemes:
                continue
            existing = operation["responses"].get("403")
            if existing is None:
                operation["responses"]["403"] = {
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                    "description": MFA_REQUIRED,
                }
            else:
                existing["description"] = (
                    f"{existing.get('description', '').rstrip()} {MFA_REQUIRED}".strip()
                )
    return result


ERROR_REF = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
VALIDATION_REF = {"application/json": {"schema": {"$ref": "#/components/schemas/ValidationError"}}}
# The answers any operation may give before its view decides anything (DRF's content
# negotiation and parsers, readiness.middleware.ControlCharacterMiddleware, the id check of
# readiness.api.common.check_path_ids, the body size limit), with the bodies they carry.
DEFAULT_ERRORS: dict[str, tuple[str, dict[str, Any]]] = {
    "400": (
        "Invalid input, named by field or query parameter (a malformed id in the path, a "
        "control character, a page size out of range). Nothing was saved.",
        VALIDATION_REF,
    ),
    "403": ("Not signed in, or your role may not do this.", ERROR_REF),
    "406": ("The `Accept` header asks for a format the API does not serve (JSON).", ERROR_REF),
    # gunicorn's limit (limit_request_line, 4,094 bytes), answered before the app, as HTML.
    "414": (
        "The request line (path and query string) is longer than the server accepts "
        "(4,094 bytes): send fewer or shorter query parameters.",
        {"text/html": {"schema": {"type": "string"}}},
    ),
}
PATH_ERRORS = {"404": ("No such object in the organizations you belong to.", ERROR_REF)}
BODY_ERRORS = {
    "413": ("The body is larger than the server accepts.", ERROR_REF),
    "415": ("The `Content-Type` is not one this operation reads.", ERROR_REF),
}


# Ids are bigints (readiness.api.common.MAX_ID, not imported: this module is loaded by the
# schema generator's settings, before the API's viewsets).
MAX_ID = 2**63 - 1


def document_default_errors(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """Every operation documents the error answers it can really give, unless its view
    already documents that status with its own body."""
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter.get("in") == "path" and schema.get("type") == "integer":
                    # check_path_ids answers 400 outside this range.
                    schema.setdefault("minimum", 1)
                    schema.setdefault("maximum", MAX_ID)
            errors = dict(DEFAULT_ERRORS)
            if "{" in path:
                errors.update(PATH_ERRORS)
            if "requestBody" in operation:
                errors.update(BODY_ERRORS)
            for status, (description, content) in errors.items():
                operation["responses"].setdefault(
                    status, {"content": content, "description": description}
                )
    return result


def _forbid_control_characters(schema: Any) -> None:
    """State in a request schema what the API refuses (readiness.api_parsers and
    ControlCharacterMiddleware): no control character in free text, nor in an object's keys."""
    if not isinstance(schema, dict) or "$ref" in schema:
        return
    kind = schema.get("type")
    if kind == "string" and not {"format", "enum", "pattern"} & set(schema):
        schema["pattern"] = NO_CONTROL_CHARACTERS_PATTERN
    if kind == "object" and "propertyNames" not in schema and "properties" not in schema:
        schema["propertyNames"] = {"pattern": NO_CONTROL_CHARACTERS_PATTERN}
    for key in ("properties",):
        for sub in schema.get(key, {}).values():
            _forbid_control_characters(sub)
    for key in ("items", "additionalProperties", "not"):
        _forbid_control_characters(schema.get(key))
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key, []):
            _forbid_control_characters(sub)


def document_control_characters(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """Every string a client sends (query and path parameters, request bodies) is documented
    with the pattern that refuses control characters, so a client, and the fuzzer, knows."""
    for name, schema in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request"):
            _forbid_control_characters(schema)
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                _forbid_control_characters(parameter.get("schema"))
            for media in operation.get("requestBody", {}).get("content", {}).values():
                _forbid_control_characters(media.get("schema"))
    return result
