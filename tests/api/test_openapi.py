"""The OpenAPI document: valid OpenAPI 3, and it documents every route of the API with its
guard (bearer security, 401/403) and the error body."""
from __future__ import annotations

import re

from openapi_spec_validator import validate

from .conftest import API


def document(api) -> dict:
    response = api.client.get(API + "/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def test_the_document_is_valid_openapi_3(api):
    spec = document(api)
    assert spec["openapi"].startswith("3.")
    validate(spec)


def test_the_document_lists_every_route_and_method(app, api):
    spec = document(api)
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = re.sub(r"<(?:[^:>]+:)?([a-z_]+)>", r"{\1}", rule.rule)
            routes |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, item in spec["paths"].items()
                  for method in item if method in ("get", "post", "put", "patch", "delete")}
    assert documented == routes
    assert len(routes) >= 15


def test_guarded_operations_say_so_and_public_ones_too(app, api):
    spec = document(api)
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["bearerAuth"]["description"]}
    assert spec["security"] == [{"bearerAuth": []}]
    public = {("/api/v1/tokens", "post"), ("/api/v1/openapi.json", "get")}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            assert operation.get("summary"), (path, method)
            if (path, method) in public:
                assert operation["security"] == []
                continue
            assert "security" not in operation  # the document's: bearer
            assert {"401", "403"} <= set(operation["responses"]), (path, method)


def test_errors_are_documented_with_the_error_body(api):
    spec = document(api)
    error = spec["components"]["schemas"]["ErrorOut"]
    assert error["properties"]["error"]["$ref"].endswith("/ErrorBodyOut")
    body = spec["components"]["schemas"]["ErrorBodyOut"]["properties"]
    assert set(body) == {"code", "message", "details"}
    for name in ("UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND", "CONFLICT", "UNPROCESSABLE_ENTITY"):
        content = spec["components"]["responses"][name]["content"]["application/json"]
        assert content["schema"]["$ref"].endswith("/ErrorOut")
