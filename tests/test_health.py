from app.extensions import db


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"database": "ok", "redis": "not configured", "status": "ok"}


def test_healthz_says_which_part_is_down(app, client):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get("/healthz")
    finally:
        app.config["REDIS_URL"] = None
    assert response.status_code == 503
    body = response.get_json()
    assert body["database"] == "ok" and body["redis"].startswith("down") and body["status"] == "degraded"
    assert "127.0.0.1" not in str(body)  # no address or secret in the answer
    assert db.session.is_active


def test_the_browsers_icon_request_is_answered(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    response.close()
