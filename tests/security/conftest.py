"""The API clients of tests/api, reused: the attacks go through the live server over HTTP."""

from tests.api.conftest import alice_api, alice_token, base_url  # noqa: F401
