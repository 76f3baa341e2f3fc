"""Login module: codes, login, lockout, refresh, password change and reset."""
from __future__ import annotations

import time

from devstack.seed import DEMO_OWNER
from tests.service.helpers import drain_notifications, emails_to, last_code, login, sms_to

EMAIL, PASSWORD = DEMO_OWNER


def test_code_request_is_202_for_unknown_logins_and_sends_nothing(client, app, seeded):
    reply = client.post("/v1/auth/codes", {"login": "nobody@example.com", "purpose": "login"})
    assert reply.status == 202
    drain_notifications(app)
    assert emails_to("nobody@example.com") == []


def test_code_request_is_rate_limited_per_login_with_retry_after(client, seeded):
    assert client.post("/v1/auth/codes", {"login": EMAIL}).status == 202
    again = client.post("/v1/auth/codes", {"login": EMAIL})
    assert again.status == 429
    assert 1 <= int(again.headers["Retry-After"]) <= 60
    assert again.json["error"]["code"] == "rate_limited"
    # unknown logins are throttled the same way (no enumeration through the limiter)
    assert client.post("/v1/auth/codes", {"login": "ghost@example.com"}).status == 202
    assert client.post("/v1/auth/codes", {"login": "ghost@example.com"}).status == 429


def test_code_request_validates_input(client, seeded):
    assert client.post("/v1/auth/codes", {"purpose": "login"}).json["error"]["field"] == "login"
    bad = client.post("/v1/auth/codes", {"login": EMAIL, "purpose": "shopping"})
    assert (bad.status, bad.json["error"]["field"]) == (422, "purpose")


def test_login_returns_tokens_and_me_shows_the_account(client, app, seeded):
    tokens = login(client, app, EMAIL, PASSWORD)
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 900
    me = client.get("/v1/me", token=tokens["access_token"])
    assert me.status == 200
    assert me.json["user"]["email"] == EMAIL and me.json["role"] == "owner"
    assert me.json["account"]["name"] == "Demo Co"
    assert me.json["balance"] == "100.00" and me.json["timezone"] == "Asia/Shanghai"


def test_wrong_password_and_wrong_code_get_the_same_generic_401(client, app, seeded):
    client.post("/v1/auth/codes", {"login": EMAIL})
    code = last_code(app, EMAIL)
    wrong_password = client.post("/v1/auth/login", {"login": EMAIL, "password": "not-it-123", "code": code})
    wrong_code = client.post("/v1/auth/login", {"login": EMAIL, "password": PASSWORD,
                                                "code": "000000" if code != "000000" else "111111"})
    unknown = client.post("/v1/auth/login", {"login": "x@y.zz", "password": PASSWORD, "code": code})
    assert wrong_password.status == wrong_code.status == unknown.status == 401
    assert wrong_password.json == wrong_code.json == unknown.json


def test_a_code_is_single_use(client, app, seeded):
    client.post("/v1/auth/codes", {"login": EMAIL})
    code = last_code(app, EMAIL)
    body = {"login": EMAIL, "password": PASSWORD, "code": code}
    assert client.post("/v1/auth/login", body).status == 200
    assert client.post("/v1/auth/login", body).status == 401


def test_a_code_dies_after_five_wrong_tries(client, app, seeded):
    client.post("/v1/auth/codes", {"login": EMAIL})
    code = last_code(app, EMAIL)
    wrong = "999999" if code != "999999" else "888888"
    for _ in range(4):
        client.post("/v1/auth/login", {"login": EMAIL, "password": PASSWORD, "code": wrong})
    # 4 failures so far: the lock (5) is not reached, but one more wrong try kills the code
    from chalicelib.services import identity
    assert identity.consume_code(EMAIL, "login", wrong) is False
    assert client.post("/v1/auth/login", {"login": EMAIL, "password": PASSWORD, "code": code}).status == 401


def test_an_expired_code_is_refused(client, app, seeded, monkeypatch):
    client.post("/v1/auth/codes", {"login": EMAIL})
    code = last_code(app, EMAIL)
    from chalicelib.services import identity
    real_now = time.time()
    monkeypatch.setattr(identity, "_now", lambda: int(real_now) + 301)
    assert client.post("/v1/auth/login", {"login": EMAIL, "password": PASSWORD, "code": code}).status == 401


def test_repeated_failures_lock_the_login(client, app, seeded):
    for _ in range(5):
        assert client.post("/v1/auth/login", {"login": EMAIL, "password": "wrong-pass-1",
                                              "code": "123456"}).status == 401
    locked = client.post("/v1/auth/login", {"login": EMAIL, "password": PASSWORD, "code": "123456"})
    assert locked.status == 429 and int(locked.headers["Retry-After"]) > 0


def test_refresh_rotates_and_a_reused_refresh_token_ends_the_session(client, app, seeded):
    tokens = login(client, app, EMAIL, PASSWORD)
    fresh = client.post("/v1/auth/refresh", {"refresh_token": tokens["refresh_token"]})
    assert fresh.status == 200 and fresh.json["refresh_token"] != tokens["refresh_token"]
    assert client.get("/v1/me", token=fresh.json["access_token"]).status == 200
    replay = client.post("/v1/auth/refresh", {"refresh_token": tokens["refresh_token"]})
    assert replay.status == 401
    assert client.get("/v1/me", token=fresh.json["access_token"]).status == 401


def test_password_change_closes_other_sessions(client, app, seeded):
    first = login(client, app, EMAIL, PASSWORD)
    from chalicelib.services import identity
    from chalicelib.store.auth import AuthRecord, code_key
    AuthRecord(code_key("login", EMAIL)).delete()  # skip the 60 s resend wait
    second = login(client, app, EMAIL, PASSWORD)
    weak = client.put("/v1/me/password", {"current_password": PASSWORD, "new_password": "short"},
                      token=second["access_token"])
    assert (weak.status, weak.json["error"]["field"]) == (422, "new_password")
    wrong = client.put("/v1/me/password", {"current_password": "nope-nope-1", "new_password": "a-new-pass-42"},
                       token=second["access_token"])
    assert wrong.status == 403
    ok = client.put("/v1/me/password", {"current_password": PASSWORD, "new_password": "a-new-pass-42"},
                    token=second["access_token"])
    assert ok.status == 204
    assert client.get("/v1/me", token=second["access_token"]).status == 200
    assert client.get("/v1/me", token=first["access_token"]).status == 401
    assert identity.find_user(EMAIL) is not None


def test_password_reset_with_a_code(client, app, seeded):
    tokens = login(client, app, EMAIL, PASSWORD)
    assert client.post("/v1/auth/codes", {"login": EMAIL, "purpose": "reset_password"}).status == 202
    code = last_code(app, EMAIL)
    body = {"login": EMAIL, "code": code, "new_password": "brand-new-99"}
    assert client.post("/v1/auth/password-reset", {**body,
                                                   "code": "000001" if code != "000001" else "000002"}).status == 401
    assert client.post("/v1/auth/password-reset", body).status == 204
    assert client.get("/v1/me", token=tokens["access_token"]).status == 401  # all sessions closed
    from chalicelib.store.auth import AuthRecord, code_key
    AuthRecord(code_key("login", EMAIL)).delete()
    assert login(client, app, EMAIL, "brand-new-99")["access_token"]


def test_phone_login_gets_its_code_by_sms(client, app, seeded, ops_token, carrier_sim):
    account_id = seeded.demo_account_id
    created = client.post(f"/v1/ops/accounts/{account_id}/users",
                          {"email": "phone.user@demo.example", "name": "Phone User", "phone": "+85291234567",
                           "role": "member"}, token=ops_token)
    assert created.status == 201, created
    assert client.post("/v1/auth/codes", {"login": "+852 9123 4567"}).status == 202
    drain_notifications(app)
    texts = sms_to(carrier_sim.url, "+85291234567")
    assert texts and "verification code is" in texts[-1]


def test_tokens_are_checked(client, seeded):
    assert client.get("/v1/me").status == 401
    assert client.get("/v1/me", token="not-a-jwt").status == 401
    assert client.get("/v1/me", headers={"Authorization": "Token abc"}).status == 401


def test_a_login_that_is_not_a_string_says_so(client, seeded):
    reply = client.post("/v1/auth/codes", {"login": 12345, "purpose": "login"})
    assert (reply.status, reply.json["error"]["field"]) == (422, "login")
    assert reply.json["error"]["message"] == "login must be a string: an email address or a phone number"
    missing = client.post("/v1/auth/codes", {"purpose": "login"})
    assert (missing.status, missing.json["error"]["message"]) == (400, "login is required")


def test_logout_closes_the_session_its_tokens_stop_working_and_others_stay_open(client, app, seeded):
    first = login(client, app, EMAIL, PASSWORD)
    from chalicelib.store.auth import AuthRecord, code_key
    AuthRecord(code_key("login", EMAIL)).delete()  # the next code now, not in 60 s
    second = login(client, app, EMAIL, PASSWORD)
    assert client.post("/v1/auth/logout", {}, token=first["access_token"]).status == 204
    assert client.get("/v1/me", token=first["access_token"]).status == 401
    assert client.post("/v1/auth/refresh", {"refresh_token": first["refresh_token"]}).status == 401
    assert client.get("/v1/me", token=second["access_token"]).status == 200  # another device's session
    assert client.post("/v1/auth/logout", {}).status == 401
    assert client.post("/v1/auth/logout", {}, token=first["access_token"]).status == 401
