"""One JSON error shape everywhere under /api/, and a failed request changes nothing."""

from __future__ import annotations

import pytest

from app.api.errors import flatten_messages
from tests.api.conftest import bearer
from tests.conftest import sign_in

SHAPE_KEYS = {"code", "status", "message"}


def assert_error(response, code: int, status: str) -> dict:
    assert response.status_code == code, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert SHAPE_KEYS <= set(body) <= SHAPE_KEYS | {"errors"}
    assert body["code"] == code and body["status"] == status
    assert isinstance(body["message"], str) and body["message"]
    for field, messages in body.get("errors", {}).items():
        assert isinstance(field, str)
        assert messages and all(isinstance(m, str) for m in messages)
    return body


@pytest.fixture
def caller(anonymous, make_member, token_of):
    """(client, headers, member): a member calling with a personal token."""
    member = make_member(name="Dominique Original")
    return anonymous, bearer(token_of(member)), member


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/members/me/nope", "/api/nope", "/api/v1/members/abc",
                                  "/api/v1/members/0", "/api/v1/members/-1", f"/api/v1/members/{2**70}"])
def test_unknown_routes_are_404_json_for_everyone(anonymous, caller, path):
    client, headers, _member = caller
    assert_error(anonymous.get(path), 404, "Not Found")
    assert_error(client.get(path, headers=headers), 404, "Not Found")


def test_huge_token_id_is_404_not_an_overflow(caller):
    client, headers, _member = caller
    assert_error(client.delete(f"/api/v1/members/me/tokens/{2**70}", headers=headers), 404, "Not Found")
    assert_error(client.delete("/api/v1/members/me/tokens/2147483647", headers=headers), 404, "Not Found")


def test_unknown_member_is_404_json(caller):
    client, headers, _member = caller
    body = assert_error(client.get("/api/v1/members/999999", headers=headers), 404, "Not Found")
    assert body["message"] == "No such member."


def test_wrong_method_is_405_with_the_allowed_ones(caller):
    client, headers, _member = caller
    response = client.delete("/api/v1/members", headers=headers)
    assert_error(response, 405, "Method Not Allowed")
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD"}
    assert_error(client.put("/api/v1/members/me", json={}, headers=headers), 405, "Method Not Allowed")


@pytest.mark.parametrize("raw", ['{"full_name": "X"', "not json", '{"full_name": "X",}', b"\xff\xfe{}"])
def test_malformed_json_is_400_and_changes_nothing(caller, raw):
    client, headers, member = caller
    response = client.patch("/api/v1/members/me", data=raw, headers={**headers, "Content-Type": "application/json"})
    body = assert_error(response, 400, "Bad Request")
    assert body["message"] == "The request body is not valid JSON."
    assert body["errors"] == {"_schema": ["Invalid JSON body."]}
    assert member.full_name == "Dominique Original"


def test_empty_body_is_an_empty_object(caller, client, make_member):
    api, headers, member = caller
    # PATCH with nothing to change changes nothing; a required field is still required.
    response = api.patch("/api/v1/members/me", data="", headers={**headers, "Content-Type": "application/json"})
    assert response.status_code == 200 and response.get_json()["full_name"] == "Dominique Original"
    sign_in(client, make_member())
    body = assert_error(client.post("/api/v1/members/me/tokens"), 422, "Unprocessable Entity")
    assert body["errors"] == {"name": ["Missing data for required field."]}


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"])
def test_wrong_content_type_is_415_and_changes_nothing(caller, content_type):
    client, headers, member = caller
    response = client.patch("/api/v1/members/me", data='{"full_name": "Changed"}',
                            headers={**headers, "Content-Type": content_type})
    body = assert_error(response, 415, "Unsupported Media Type")
    assert "application/json" in body["message"]
    assert member.full_name == "Dominique Original"


def test_json_that_is_not_an_object_is_422(caller):
    client, headers, _member = caller
    body = assert_error(client.patch("/api/v1/members/me", json=["full_name"], headers=headers),
                        422, "Unprocessable Entity")
    assert "_schema" in body["errors"]


def test_validation_errors_are_flattened_per_field(caller):
    client, headers, member = caller
    response = client.patch("/api/v1/members/me", headers=headers,
                            json={"full_name": 42, "skills": ["ok", "", "x" * 121], "colour": "blue"})
    body = assert_error(response, 422, "Unprocessable Entity")
    assert set(body["errors"]) == {"full_name", "skills.1", "skills.2", "colour"}
    assert body["errors"]["colour"] == ["Unknown field."]
    assert body["message"] == "The input is invalid: see the errors of each field."
    assert member.full_name == "Dominique Original" and member.skills == []


def test_query_validation_errors_have_the_same_shape(caller):
    client, headers, _member = caller
    body = assert_error(client.get("/api/v1/members?page=0&page_size=500", headers=headers),
                        422, "Unprocessable Entity")
    assert set(body["errors"]) == {"page", "page_size"}
    body = assert_error(client.get("/api/v1/members?status=boss", headers=headers), 422, "Unprocessable Entity")
    assert body["errors"]["status"] == ["Must be one of: cape, es, esa, external_associate, former."]


def test_service_errors_have_the_same_shape(caller):
    client, headers, member = caller
    body = assert_error(client.patch("/api/v1/members/me", json={"full_name": "   "}, headers=headers),
                        422, "Unprocessable Entity")
    assert body["message"] == "The profile could not be saved."
    assert body["errors"] == {"full_name": ["A name of 1 to 200 characters is required."]}
    assert member.full_name == "Dominique Original"


def test_messages_follow_the_requested_language(app, anonymous):
    english = anonymous.get("/api/v1/nope").get_json()["message"]
    assert english == "No such resource: check the URL."
    french = anonymous.get("/api/v1/nope", headers={"Accept-Language": "fr"}).get_json()["message"]
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        from flask_babel import gettext

        assert french == gettext("No such resource: check the URL.")


def test_pages_still_get_html_errors(anonymous):
    response = anonymous.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_flatten_messages_keeps_every_message_under_a_field_name():
    nested = {"json": {"name": ["Missing."], "skills": {0: ["Not a string."], 3: ["Too long."]},
                       "address": {"city": ["Required."]}},
              "query": {"page": ["Too small."]}}
    assert flatten_messages(nested) == {
        "name": ["Missing."], "skills.0": ["Not a string."], "skills.3": ["Too long."],
        "address.city": ["Required."], "page": ["Too small."],
    }
    assert flatten_messages({"json": ["Invalid JSON body."]}) == {"_schema": ["Invalid JSON body."]}
    assert flatten_messages(None) == {}
