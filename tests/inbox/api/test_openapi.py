from django.urls import get_resolver
from openapi_spec_validator import validate

from inbox.api.openapi import SPEC


def test_the_served_schema_is_valid_openapi(client):
    served = client.get("/api/v1/openapi.json").json()
    validate(served)
    assert served == SPEC


def test_every_api_route_is_documented():
    resolver = get_resolver()
    api_patterns = next(p for p in resolver.url_patterns if str(p.pattern) == "api/v1/").url_patterns
    routes = {"/" + str(p.pattern).replace("<int:pk>", "{pk}") for p in api_patterns}
    routes -= {"/openapi.json", "/^(?P<path>.*)$"}  # the schema itself, and the JSON 404 for everything else
    assert routes == set(SPEC["paths"])
