"""Every error is JSON with a message, including the ones Django or ninja produce: a method
the path does not have (405) and a body over DATA_UPLOAD_MAX_MEMORY_SIZE (413)."""

import pytest

from .conftest import assert_error


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/databases", "GET, POST"),
        ("DELETE", "/sessions", "GET, POST"),
        ("GET", "/chat", "POST"),
        ("POST", "/tasks/schema-1", "GET"),
        ("PUT", "/datapoints", "GET"),
    ],
)
def test_405_is_json_and_names_the_allowed_methods(admin_api, method, path, allowed):
    response = admin_api.request(method, path)
    body = assert_error(response, 405, f"method {method} is not allowed", allowed)
    assert set(response.headers["allow"].split(", ")) == set(allowed.split(", "))
    assert body == {"detail": f"Method {method} is not allowed here; use {allowed}."}


def test_405_also_for_visitors(anon_api):
    assert_error(anon_api.put("/databases"), 405, "not allowed")


def test_a_body_over_the_upload_limit_is_413(admin_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = admin_api.post("/chat", json={"message": "x" * 2000})
    assert_error(response, 413, "too large", "1,000 bytes")
    # Under the limit the same endpoint answers normally (here: the validation error).
    assert_error(admin_api.post("/chat", json={"message": ""}), 422, "message")


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_unknown_api_urls_are_json_404_for_every_method(anon_api, method):
    assert_error(anon_api.request(method, "/no-such-thing"), 404, "not found")
