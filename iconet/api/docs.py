"""The OpenAPI 3 schema of the API and its documentation page, for signed-in users."""

from functools import cache

from django.http import JsonResponse
from django.shortcuts import render
from drf_spectacular.generators import SchemaGenerator

METHODS = ("get", "post", "patch", "put", "delete")


@cache
def api_schema() -> dict:
    """The schema, generated once per process from the views (and so from the registry)."""
    generator = SchemaGenerator(title="ICONet API", version="1")
    return generator.get_schema(request=None, public=True)


def schema(request):
    return JsonResponse(api_schema(), json_dumps_params={"indent": 1})


def docs(request):
    spec = api_schema()
    operations = []
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "tag": (operation.get("tags") or [""])[0],
                    "summary": operation.get("summary") or operation.get("description", ""),
                    "operation_id": operation.get("operationId", ""),
                    "parameters": operation.get("parameters", []),
                    "responses": sorted(operation.get("responses", {})),
                }
            )
    return render(request, "api/docs.html", {"operations": operations, "spec": spec})
