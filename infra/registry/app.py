"""The HTTP API: the part of Confluent Schema Registry's REST API that confluent-kafka's
SchemaRegistryClient, AvroSerializer and AvroDeserializer use, served over a SchemaLog.

Handlers only translate HTTP to the pure operations and back; writes go through
`SchemaLog.transact` (in a worker thread, since it waits for Kafka).
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from infra.registry import operations as ops
from infra.registry import state as st
from infra.registry.errors import ErrorCode, RegistryError
from infra.registry.records import AVRO, SchemaContent, SubjectVersion, schema_guid
from infra.registry.store import Plan, SchemaLog

logger = logging.getLogger(__name__)

MEDIA_TYPE = "application/vnd.schemaregistry.v1+json"


class RegistryResponse(JSONResponse):
    """JSON with the registry's media type."""

    media_type = MEDIA_TYPE


def create_app(log: SchemaLog) -> Starlette:
    """The ASGI app; it loads `log` at startup (serving nothing before) and stops it at shutdown."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await run_in_threadpool(log.start)
        try:
            yield
        finally:
            await run_in_threadpool(log.stop)

    app = Starlette(
        routes=ROUTES,
        lifespan=lifespan,
        exception_handlers={
            RegistryError: _registry_error, HTTPException: _http_error, Exception: _server_error,
        },
    )
    app.state.schema_log = log
    return app


def _log(request: Request) -> SchemaLog:
    return request.app.state.schema_log


def _state(request: Request) -> st.RegistryState:
    return _log(request).state


async def _write(request: Request, plan: Plan[Any]) -> Any:
    return await run_in_threadpool(_log(request).transact, plan)


def _flag(request: Request, *names: str) -> bool:
    return any(request.query_params.get(name, "").lower() == "true" for name in names)


def _page(request: Request, items: list[Any]) -> list[Any]:
    try:
        offset = max(0, int(request.query_params.get("offset", 0)))
        limit = int(request.query_params.get("limit", -1))
    except ValueError as exc:
        raise RegistryError(ErrorCode.BAD_REQUEST, f"offset and limit must be integers: {exc}") from exc
    return items[offset:] if limit < 0 else items[offset : offset + limit]


async def _body(request: Request) -> Any:
    try:
        return json.loads(await request.body() or b"null")
    except ValueError as exc:
        raise RegistryError(ErrorCode.BAD_REQUEST, f"Malformed JSON body: {exc}") from exc


def _version_json(entry: SubjectVersion) -> dict[str, Any]:
    return {
        "subject": entry.subject,
        "version": entry.version,
        "id": entry.schema_id,
        "guid": schema_guid(entry.schema_id, entry.content),
        **entry.content.to_json(),
    }


def _schema(request: Request, state: st.RegistryState) -> tuple[int, SchemaContent]:
    schema_id: int = request.path_params["schema_id"]
    if schema_id not in state.contents:
        raise RegistryError(ErrorCode.SCHEMA_NOT_FOUND, f"Schema {schema_id} not found")
    return schema_id, state.contents[schema_id]


async def root(request: Request) -> Response:
    """GET /: health; answers {} once the state is loaded."""
    return RegistryResponse({})


async def schema_types(request: Request) -> Response:
    """GET /schemas/types: the schema types served (Avro only)."""
    return RegistryResponse([AVRO])


async def schema_by_id(request: Request) -> Response:
    """GET /schemas/ids/{id}: the schema with that global id, soft-deleted or not (40403 if none)."""
    schema_id, content = _schema(request, _state(request))
    return RegistryResponse({**content.to_json(), "guid": schema_guid(schema_id, content)})


async def schema_text_by_id(request: Request) -> Response:
    """GET /schemas/ids/{id}/schema: the schema text alone."""
    return Response(_schema(request, _state(request))[1].schema, media_type=MEDIA_TYPE)


async def schema_by_guid(request: Request) -> Response:
    """GET /schemas/guids/{guid}: the schema with that guid (40403 if none)."""
    guid = request.path_params["guid"]
    for schema_id, content in _state(request).contents.items():
        if schema_guid(schema_id, content) == guid:
            return RegistryResponse({**content.to_json(), "id": schema_id, "guid": guid})
    raise RegistryError(ErrorCode.SCHEMA_NOT_FOUND, f"Schema {guid} not found")


def _usages(request: Request) -> list[SubjectVersion]:
    state = _state(request)
    found = st.usages(state, _schema(request, state)[0], deleted=_flag(request, "deleted"))
    subject = request.query_params.get("subject")
    return [entry for entry in found if not subject or entry.subject == subject]


async def schema_subjects(request: Request) -> Response:
    """GET /schemas/ids/{id}/subjects: subjects holding that id (deleted=true adds soft-deleted)."""
    return RegistryResponse(_page(request, sorted({entry.subject for entry in _usages(request)})))


async def schema_versions(request: Request) -> Response:
    """GET /schemas/ids/{id}/versions: [{subject, version}] holding that id."""
    pairs = [{"subject": entry.subject, "version": entry.version} for entry in _usages(request)]
    return RegistryResponse(_page(request, pairs))


async def list_subjects(request: Request) -> Response:
    """GET /subjects: subject names (subjectPrefix, deleted, deleted_only, offset, limit)."""
    names = st.subject_names(
        _state(request), deleted=_flag(request, "deleted"), deleted_only=_flag(request, "deleted_only")
    )
    prefix = request.query_params.get("subjectPrefix", "")
    if prefix and prefix != ":*:":  # Confluent's "any context" prefix
        names = [name for name in names if name.startswith(prefix)]
    return RegistryResponse(_page(request, names))


async def lookup(request: Request) -> Response:
    """POST /subjects/{subject}: the version holding this schema (40401, 40403)."""
    schema = ops.schema_request(await _body(request))
    subject = request.path_params["subject"]
    deleted = _flag(request, "deleted", "lookupDeletedSchema")
    entry = ops.lookup(_state(request), subject, schema, deleted=deleted)
    return RegistryResponse(_version_json(entry))


async def delete_subject(request: Request) -> Response:
    """DELETE /subjects/{subject}: soft delete, or with permanent=true hard delete; the versions."""
    subject, permanent = request.path_params["subject"], _flag(request, "permanent")
    deleted = await _write(request, lambda state: ops.delete_subject(state, subject, permanent=permanent))
    return RegistryResponse(deleted)


async def list_versions(request: Request) -> Response:
    """GET /subjects/{subject}/versions: version numbers (deleted, deleted_only; 40401)."""
    state, subject = _state(request), request.path_params["subject"]
    deleted_only = _flag(request, "deleted_only")
    entries = st.versions(state, subject, deleted=_flag(request, "deleted"), deleted_only=deleted_only)
    if not entries and not (deleted_only and st.versions(state, subject, deleted=True)):
        raise RegistryError(ErrorCode.SUBJECT_NOT_FOUND, f"Subject '{subject}' not found.")
    return RegistryResponse(_page(request, [entry.version for entry in entries]))


async def register(request: Request) -> Response:
    """POST /subjects/{subject}/versions: register; {"id", ...}; idempotent; 409 when incompatible."""
    schema = ops.schema_request(await _body(request))
    subject = request.path_params["subject"]
    entry: SubjectVersion = await _write(request, lambda state: ops.register(state, subject, schema))
    # No "schema" in the answer: the client then caches the schema object it sent.
    guid = schema_guid(entry.schema_id, entry.content)
    body = {"id": entry.schema_id, "guid": guid, "subject": subject, "version": entry.version}
    return RegistryResponse(body)


def _version(request: Request) -> SubjectVersion:
    subject, spec = request.path_params["subject"], request.path_params["version"]
    return ops.find_version(_state(request), subject, spec, deleted=_flag(request, "deleted"))


async def get_version(request: Request) -> Response:
    """GET /subjects/{subject}/versions/{version|latest}: that version (40401, 40402, 42202)."""
    return RegistryResponse(_version_json(_version(request)))


async def get_version_text(request: Request) -> Response:
    """GET /subjects/{subject}/versions/{version}/schema: the schema text alone."""
    return Response(_version(request).content.schema, media_type=MEDIA_TYPE)


async def referenced_by(request: Request) -> Response:
    """GET /subjects/{subject}/versions/{version}/referencedby: ids of schemas referencing it."""
    entry = _version(request)
    return RegistryResponse(_page(request, st.referrers(_state(request), entry.subject, entry.version)))


async def delete_version(request: Request) -> Response:
    """DELETE /subjects/{subject}/versions/{version}: soft (or permanent=true hard) delete."""
    subject, spec = request.path_params["subject"], request.path_params["version"]
    permanent = _flag(request, "permanent")
    number = await _write(request, lambda now: ops.delete_version(now, subject, spec, permanent=permanent))
    return RegistryResponse(number)


async def latest_with_metadata(request: Request) -> Response:
    """GET /subjects/{subject}/metadata?key=..&value=..: newest version with those properties."""
    keys, values = request.query_params.getlist("key"), request.query_params.getlist("value")
    entry = ops.latest_with_metadata(
        _state(request), request.path_params["subject"], dict(zip(keys, values, strict=False)),
        deleted=_flag(request, "deleted"),
    )
    return RegistryResponse(_version_json(entry))


async def config(request: Request) -> Response:
    """GET, PUT, DELETE /config[/{subject}]: the global or subject compatibility level."""
    subject = request.path_params.get("subject")
    if request.method == "GET":
        default_to_global = _flag(request, "defaultToGlobal")
        level = ops.configured_level(_state(request), subject, default_to_global=default_to_global)
        return RegistryResponse({"compatibilityLevel": level})
    if request.method == "PUT":
        body = await _body(request)
        level = await _write(request, lambda state: ops.set_level(state, subject, body))
        return RegistryResponse({"compatibility": level})
    removed = await _write(request, lambda state: ops.delete_level(state, subject))
    return RegistryResponse({"compatibilityLevel": removed})


async def test_compatibility(request: Request) -> Response:
    """POST /compatibility/subjects/{subject}/versions[/{version}]: {"is_compatible", "messages"}."""
    schema = ops.schema_request(await _body(request))
    subject, spec = request.path_params["subject"], request.path_params.get("version")
    problems = ops.check_compatibility(_state(request), subject, schema, spec)
    body: dict[str, Any] = {"is_compatible": not problems}
    if _flag(request, "verbose"):
        body["messages"] = problems
    return RegistryResponse(body)


async def mode(request: Request) -> Response:
    """GET /mode[/{subject}]: always READWRITE (IMPORT and READONLY modes are not offered)."""
    return RegistryResponse({"mode": "READWRITE"})


async def contexts(request: Request) -> Response:
    """GET /contexts: only the default context."""
    return RegistryResponse(["."])


async def _registry_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RegistryError)
    body = {"error_code": int(exc.code), "message": exc.message}
    return RegistryResponse(body, status_code=exc.code.http_status)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    body = {"error_code": exc.status_code, "message": exc.detail}
    return RegistryResponse(body, status_code=exc.status_code)


async def _server_error(request: Request, exc: Exception) -> Response:
    logger.exception("registry request %s %s failed", request.method, request.url.path, exc_info=exc)
    body = {"error_code": int(ErrorCode.STORE_ERROR), "message": "Internal error in the schema registry"}
    return RegistryResponse(body, status_code=500)


ROUTES = [
    Route("/", root, methods=["GET"]),
    Route("/schemas/types", schema_types, methods=["GET"]),
    Route("/schemas/ids/{schema_id:int}", schema_by_id, methods=["GET"]),
    Route("/schemas/ids/{schema_id:int}/schema", schema_text_by_id, methods=["GET"]),
    Route("/schemas/ids/{schema_id:int}/subjects", schema_subjects, methods=["GET"]),
    Route("/schemas/ids/{schema_id:int}/versions", schema_versions, methods=["GET"]),
    Route("/schemas/guids/{guid}", schema_by_guid, methods=["GET"]),
    Route("/subjects", list_subjects, methods=["GET"]),
    Route("/subjects/{subject}", lookup, methods=["POST"]),
    Route("/subjects/{subject}", delete_subject, methods=["DELETE"]),
    Route("/subjects/{subject}/versions", list_versions, methods=["GET"]),
    Route("/subjects/{subject}/versions", register, methods=["POST"]),
    Route("/subjects/{subject}/versions/{version}", get_version, methods=["GET"]),
    Route("/subjects/{subject}/versions/{version}", delete_version, methods=["DELETE"]),
    Route("/subjects/{subject}/versions/{version}/schema", get_version_text, methods=["GET"]),
    Route("/subjects/{subject}/versions/{version}/referencedby", referenced_by, methods=["GET"]),
    Route("/subjects/{subject}/metadata", latest_with_metadata, methods=["GET"]),
    Route("/config", config, methods=["GET", "PUT", "DELETE"]),
    Route("/config/{subject}", config, methods=["GET", "PUT", "DELETE"]),
    Route("/compatibility/subjects/{subject}/versions", test_compatibility, methods=["POST"]),
    Route("/compatibility/subjects/{subject}/versions/{version}", test_compatibility, methods=["POST"]),
    Route("/mode", mode, methods=["GET"]),
    Route("/mode/{subject}", mode, methods=["GET"]),
    Route("/contexts", contexts, methods=["GET"]),
]
