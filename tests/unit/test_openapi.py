"""The OpenAPI description is kept in step with the routes, both ways."""
from __future__ import annotations

import json
import re
from pathlib import Path

SPEC = json.loads((Path(__file__).resolve().parents[2] / "chalicelib" / "openapi.json").read_text())


def _routes():
    from app import app
    return {(path, method.lower()): entry for path, methods in app.routes.items() for method, entry in methods.items()}


def _operations():
    return {(path, method): op for path, item in SPEC["paths"].items() for method, op in item.items()}


def test_every_route_is_described_and_nothing_else():
    assert set(_operations()) == set(_routes())


def test_operation_ids_name_the_view_functions():
    routes = _routes()
    for key, op in _operations().items():
        assert op["operationId"] == routes[key].view_name, key


def test_path_parameters_are_declared():
    for (path, _), op in _operations().items():
        declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
        assert declared == set(re.findall(r"{(\w+)}", path)), path


def test_every_ref_resolves_and_every_operation_has_responses():
    text = json.dumps(SPEC)
    for ref in set(re.findall(r'"\$ref": "#/components/schemas/(\w+)"', text)):
        assert ref in SPEC["components"]["schemas"], ref
    for key, op in _operations().items():
        assert op["responses"], key
        for status, response in op["responses"].items():
            # Vonage's numbers API answers its own refusals in Vonage's shape; the reader's (413, 415) use Error
            vonage = op["tags"] == ["vonage_numbers"] and status in ("400", "401", "420", "502")
            error = "VonageNumbersStatus" if vonage else "Error"
            if status.startswith(("4", "5")):
                assert response["content"]["application/json"]["schema"] == {"$ref": f"#/components/schemas/{error}"}


def test_the_spec_validates_as_openapi_3():
    from openapi_spec_validator import validate
    validate(SPEC)


def test_the_committed_file_is_what_the_script_writes():
    """A pattern changed in domain/ (or in the script) must reach the served file: run
    scripts/openapi.py and commit what it writes."""
    import runpy
    script = runpy.run_path(str(Path(__file__).resolve().parents[2] / "scripts" / "openapi.py"))
    assert script["openapi_document"](script["routes"]()) == SPEC
