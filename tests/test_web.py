"""What every answer carries: security headers, cookies, Japanese error pages, health."""

import inspect
import json


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_session_cookie_is_httponly_and_samesite(client, demo):
    response = client.login("ops")
    [cookie] = [c for c in response.headers.getlist("Set-Cookie")
                if c.startswith("portal_session=")]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Expires" not in cookie  # ends with the browser


def test_pages_load_no_inline_script(client, demo):
    client.login("coord-a")
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "<script>" not in page
    assert 'src="/static/htmx.min.js"' in page


def test_oversized_request_gets_a_japanese_413(client, app):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/login", {"login_id": "x" * 5000, "password": "y"})
    assert response.status_code == 413
    assert "ファイルが大きすぎます" in response.get_data(as_text=True)


def test_unknown_page_is_a_japanese_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "ページが見つかりません" in response.get_data(as_text=True)


def test_healthz_reports_database_and_queue(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.data) == {
        "database": "ok", "queue": "embedded", "status": "ok"
    }


def test_healthz_reports_an_unreachable_queue(make_app):
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = json.loads(response.data)
    assert body["database"] == "ok" and body["queue"].startswith("error")


def test_demo_command_prints_the_logins(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "learner personal: B0001-001 / demo-pass" in lines
    assert "learner shared: B0001-031 / demo-pass" in lines
    for login in ("ops", "coord-a", "coord-b", "dist-kanto"):
        assert login in result.output
    # Running it again keeps the data and prints the same logins.
    again = runner.invoke(args=["demo"])
    assert again.output.splitlines()[-3:] == lines[-3:]


def test_tick_runs(runner):
    result = runner.invoke(args=["tick", "--date", "2026-12-01"])
    assert result.exit_code == 0, result.output


def test_create_operator_prints_a_one_time_link(runner, client):
    import re

    result = runner.invoke(args=["create-operator", "Chief", "chief@example.jp"])
    assert result.exit_code == 0, result.output
    link = re.search(r"http://portal\.test(/password/\S+)", result.output)[1]
    assert client.get(link).status_code == 303  # the token moves into the session
    assert client.post("/password", {"password": "a-long-password", "confirm": "a-long-password"}
                       ).status_code == 302
    assert client.login("chief", "a-long-password").status_code == 302


def test_a_status_filter_is_a_filter_not_the_answer_code(client, demo):
    """``?status=failed`` once became the HTTP status line (a 500 under gunicorn): the
    operator landed there after 再送."""
    from portal.web import render

    assert "status" not in inspect.signature(render).parameters
    client.login("ops")
    for path in ("/ops/outbox?status=failed", "/orders/?status=new"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers.get_all("Content-Type") == ["text/html; charset=utf-8"]
    page = client.get("/ops/outbox?status=failed").get_data(as_text=True)
    assert 'aria-current="true">失敗' in page
    assert client.get("/ops/outbox?status=nonsense").status_code == 200


def test_a_nul_character_is_refused_before_it_reaches_the_database(client, demo):
    """PostgreSQL refuses NUL in text: it answered 500 wherever a query used the value."""
    for response in (client.get("/catalog/?q=a%00b"), client.get("/catalog/?q=a&q=%00"),
                     client.post("/login", {"login_id": "ops\x00", "password": "x"})):
        assert response.status_code == 400
        assert "使えない文字" in response.get_data(as_text=True)
