#!/usr/bin/env python3
"""A Warden client in Python: the calls a FastAPI service's clients make, against Warden.

    python3 warden_client.py http://127.0.0.1:3000
    python3 warden_client.py http://127.0.0.1:3000 --username alice --password 'tangerine-orbit-47'

It registers a user (POST /api/auth/register), logs in through the OAuth 2.0
token endpoint (POST /oauth/token, password grant, a form body), reads the
account (GET /api/users/me), writes two posts and lists them
(POST /api/posts, GET /api/posts?limit=…), sends a post with an empty title
and checks the RFC 9457 problem it gets back, refreshes the tokens
(refresh_token grant), and logs out (POST /oauth/revoke), checking that the
access token stops working at once.

Each step prints one line; the first answer that is not what Warden
documents stops the script with "FAIL: …" on stderr and exit status 1.
Exit status 2 is a usage error. Standard library and `requests` only
(Debian: apt-get install python3-requests).
"""

import argparse
import secrets
import sys

import requests

PROBLEM_JSON = "application/problem+json"
TIMEOUT = 10  # seconds, for every request


class Mismatch(Exception):
    """An answer that is not what Warden documents."""


def expect(condition, message):
    if not condition:
        raise Mismatch(message)


def describe(response):
    """The status and the start of the body, for a failure message."""
    return f"{response.request.method} {response.url} → {response.status_code} {response.text[:300]!r}"


def expect_status(response, status):
    expect(response.status_code == status, f"expected {status}: {describe(response)}")


def expect_json(response, status):
    """The JSON body of a response with this status (a bare object, no envelope)."""
    expect_status(response, status)
    content_type = response.headers.get("content-type", "")
    expect(content_type.startswith("application/json"), f"expected JSON, got {content_type!r}: {describe(response)}")
    return response.json()


def step(message):
    print(f"ok  {message}", flush=True)


def run(base_url, username, password):
    api = requests.Session()
    api.headers["user-agent"] = "warden-python-client/1.0"

    # 1. Register: 201 and the account, never the password.
    response = api.post(
        f"{base_url}/api/auth/register",
        json={"username": username, "email": f"{username}@example.com", "name": "Python Client", "password": password},
        timeout=TIMEOUT,
    )
    user = expect_json(response, 201)
    expect(user.get("username") == username, f"register answered another username: {user}")
    expect("password" not in response.text.lower(), "the registration answer mentions a password")
    step(f"POST /api/auth/register → 201, user {user['id']}")

    # 2. Log in through the OAuth 2.0 token endpoint: a form body, as FastAPI's OAuth2PasswordRequestForm takes it.
    response = api.post(
        f"{base_url}/oauth/token",
        data={"grant_type": "password", "username": username, "password": password},
        timeout=TIMEOUT,
    )
    tokens = expect_json(response, 200)
    expect(tokens.get("token_type") == "Bearer", f"token_type is not Bearer: {tokens.get('token_type')!r}")
    expect(isinstance(tokens.get("expires_in"), int), "the token answer has no expires_in")
    expect(tokens.get("refresh_token"), "the password grant gave no refresh_token")
    expect(response.headers.get("cache-control") == "no-store", "the token answer may be cached")
    step(f"POST /oauth/token (password) → 200, access token for {tokens['expires_in']} s and a refresh token")

    def bearer(access_token):
        return {"authorization": f"Bearer {access_token}"}

    auth = bearer(tokens["access_token"])

    # 3. Who am I?
    me = expect_json(api.get(f"{base_url}/api/users/me", headers=auth, timeout=TIMEOUT), 200)
    expect(me.get("id") == user["id"], f"/api/users/me is someone else: {me}")
    expect(me.get("email") == f"{username}@example.com", f"/api/users/me has another email: {me}")
    step(f"GET /api/users/me → 200, {me['username']} <{me['email']}>")

    # 4. Two posts, then the list: newest first.
    post_ids = []
    for title in ("First post from Python", "Second post from Python"):
        response = api.post(
            f"{base_url}/api/posts",
            json={"title": title, "content": f"{title}, written with requests."},
            headers=auth,
            timeout=TIMEOUT,
        )
        post = expect_json(response, 201)
        expect(post.get("title") == title and post.get("ownerId") == user["id"], f"unexpected post: {post}")
        post_ids.append(post["id"])
        step(f"POST /api/posts → 201, post {post['id']}")
    page = expect_json(api.get(f"{base_url}/api/posts", params={"limit": 10}, headers=auth, timeout=TIMEOUT), 200)
    listed = [post["id"] for post in page.get("items", [])]
    expect(listed == list(reversed(post_ids)), f"GET /api/posts listed {listed}, expected {list(reversed(post_ids))}")
    expect(page.get("nextCursor") is None, f"a second page where there is none: {page.get('nextCursor')!r}")
    step(f"GET /api/posts?limit=10 → 200, {len(listed)} posts, newest first")

    # 5. A bad input: an RFC 9457 problem naming the field, and nothing written.
    response = api.post(f"{base_url}/api/posts", json={"title": "", "content": "no title"}, headers=auth, timeout=TIMEOUT)
    expect_status(response, 400)
    content_type = response.headers.get("content-type", "")
    expect(content_type.startswith(PROBLEM_JSON), f"expected {PROBLEM_JSON}, got {content_type!r}")
    problem = response.json()
    expect(problem.get("status") == 400 and problem.get("code") == "BAD_REQUEST", f"unexpected problem: {problem}")
    expect(problem.get("title") and problem.get("detail"), f"the problem has no title or detail: {problem}")
    title_errors = (problem.get("errors") or {}).get("title")
    expect(title_errors, f"the problem does not name the title field: {problem}")
    step(f"POST /api/posts with an empty title → 400 {PROBLEM_JSON}, errors.title: {title_errors}")

    # 6. Refresh: a new pair; the refresh token used dies with its use.
    response = api.post(
        f"{base_url}/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        timeout=TIMEOUT,
    )
    refreshed = expect_json(response, 200)
    expect(refreshed.get("refresh_token") not in (None, tokens["refresh_token"]), "the refresh token was not rotated")
    auth = bearer(refreshed["access_token"])
    expect_json(api.get(f"{base_url}/api/users/me", headers=auth, timeout=TIMEOUT), 200)
    step("POST /oauth/token (refresh_token) → 200, a new pair; the new access token works")

    # 7. Log out: the session ends, and its access token is refused at once.
    response = api.post(
        f"{base_url}/oauth/revoke",
        data={"token": refreshed["refresh_token"], "token_type_hint": "refresh_token"},
        timeout=TIMEOUT,
    )
    expect_status(response, 200)
    response = api.get(f"{base_url}/api/users/me", headers=auth, timeout=TIMEOUT)
    expect_status(response, 401)
    expect(response.headers.get("content-type", "").startswith(PROBLEM_JSON), f"401 is not a problem: {describe(response)}")
    expect(response.headers.get("www-authenticate", "").startswith("Bearer"), "401 without WWW-Authenticate: Bearer")
    step("POST /oauth/revoke → 200; the access token is refused at once (401)")

    print(f"all checks passed: user {username} ({user['id']}), posts {' '.join(post_ids)}")


def main():
    parser = argparse.ArgumentParser(description="Call Warden's REST and OAuth endpoints from Python.")
    parser.add_argument("base_url", help="Warden's URL, e.g. http://127.0.0.1:3000")
    parser.add_argument("--username", default=f"py_{secrets.token_hex(4)}", help="a new username (default: random)")
    parser.add_argument("--password", default=secrets.token_urlsafe(18), help="its password (default: random)")
    args = parser.parse_args()
    try:
        run(args.base_url.rstrip("/"), args.username, args.password)
    except Mismatch as mismatch:
        print(f"FAIL: {mismatch}", file=sys.stderr)
        return 1
    except ValueError as error:  # a body that is not JSON (before RequestException: requests' error is both)
        print(f"FAIL: an answer is not JSON: {error}", file=sys.stderr)
        return 1
    except requests.RequestException as error:
        print(f"FAIL: cannot reach Warden at {args.base_url}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
