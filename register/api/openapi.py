"""The OpenAPI 3.1 document, generated from the same resource descriptions the endpoints use."""
from register.api.resources import Report, Resource

ERROR = {"type": "object", "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
         "required": ["error", "message"]}


def _response(description, schema=None, media="application/json"):
    body = {"description": description}
    if schema:
        body["content"] = {media: {"schema": schema}}
    return body


def _report_paths(report: Report, errors: dict, bad: dict) -> dict:
    """A computed report: its JSON document and its CSV, with the same parameters."""
    params = [{"name": p.name, "in": "query", "required": False, "description": p.description,
               "schema": p.schema()} for p in report.params]
    name = report.name.capitalize()
    body = {"type": "object", "required": ["data"], "additionalProperties": False,
            "properties": {"data": report.schema}}
    return {
        f"/{report.name}": {"get": {
            "tags": [report.name], "summary": report.title, "description": report.description,
            "operationId": f"report_{name}", "parameters": params,
            "responses": {"200": _response(report.title, body), **bad, **errors}}},
        f"/{report.name}.csv": {"get": {
            "tags": [report.name], "summary": f"{report.title} som CSV (danske kolonnenavne, semikolon)",
            "operationId": f"report_csv_{name}", "parameters": params,
            "responses": {"200": _response("CSV", {"type": "string"}, "text/csv"), **bad, **errors}}},
    }


def document(resources, server: str, reports=()) -> dict:
    paths, schemas = {}, {"Error": ERROR}
    errors = {"401": _response("Mangler eller ugyldig API-nøgle", {"$ref": "#/components/schemas/Error"})}
    bad = {"400": _response("Ugyldigt filter", {"$ref": "#/components/schemas/Error"})}
    for report in reports:
        report: Report
        paths.update(_report_paths(report, errors, bad))
        schemas.update(report.components)
    for res in resources:
        res: Resource
        name = res.schema_name()
        schemas[name] = {"type": "object", "properties": {f.name: f.schema() for f in res.fields},
                         "required": [f.name for f in res.fields], "additionalProperties": False}
        filters = [{"name": f.name, "in": "query", "required": False, "description": f.description,
                    "schema": f.schema()} for f in res.filters]
        paging = [{"name": "page", "in": "query", "required": False,
                   "schema": {"type": "integer", "minimum": 1, "maximum": 1_000_000}},
                  {"name": "per_page", "in": "query", "required": False,
                   "schema": {"type": "integer", "minimum": 1, "maximum": 500}}]
        page_schema = {"type": "object", "required": ["data", "meta", "links"], "properties": {
            "data": {"type": "array", "items": {"$ref": f"#/components/schemas/{name}"}},
            "meta": {"type": "object", "required": ["page", "per_page", "total"], "properties": {
                "page": {"type": "integer"}, "per_page": {"type": "integer"}, "total": {"type": "integer"}}},
            "links": {"type": "object", "properties": {k: {"type": "string"} for k in ("self", "next", "prev")}}}}
        paths[f"/{res.name}"] = {"get": {
            "tags": [res.name], "summary": res.title, "operationId": f"list_{name}",
            "parameters": filters + paging,
            "responses": {"200": _response(res.title, page_schema), **bad, **errors}}}
        paths[f"/{res.name}.csv"] = {"get": {
            "tags": [res.name], "summary": f"{res.title} som CSV (danske kolonnenavne, semikolon)",
            "operationId": f"csv_{name}", "parameters": filters,
            "responses": {"200": _response("CSV", {"type": "string"}, "text/csv"), **bad, **errors}}}
        paths[f"/{res.name}/{{item_id}}"] = {"get": {
            "tags": [res.name], "summary": f"Én post: {res.title.lower()}", "operationId": f"get_{name}",
            "parameters": [{"name": "item_id", "in": "path", "required": True,
                            "schema": {"type": "integer", "minimum": 1, "maximum": 2_147_483_647}}],
            "responses": {"200": _response(res.title, {"type": "object", "required": ["data"], "properties": {
                "data": {"$ref": f"#/components/schemas/{name}"}}}),
                "404": _response("Findes ikke", {"$ref": "#/components/schemas/Error"}), **errors}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Register API", "version": "1",
                 "description": "Læseadgang til registrets data. Alle kald kræver en personlig API-nøgle: "
                                "Authorization: Bearer <nøgle>. Lister pagineres med page og per_page; "
                                "hver liste findes også som CSV til Excel og Power BI."},
        "servers": [{"url": server.rstrip("/")}],
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}, "schemas": schemas},
        "paths": paths,
    }
