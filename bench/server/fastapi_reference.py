"""The FastAPI + uvicorn reference for the shapeblock-server benchmark.

The same three endpoints as shapeblock-server, on the same SQLite schema
(the database file shapeblock-server created), with the same checks:
token lookup by SHA-256, team membership and role, project in team.

    SB_DB=/path/shapeblock.db uvicorn fastapi_reference:app --port 8001
"""
import hashlib
import json
import os
import secrets
import sqlite3
import threading
import time

from fastapi import FastAPI, Header, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

DB_PATH = os.environ["SB_DB"]
ROLES = {"viewer": 0, "developer": 1, "admin": 2, "owner": 3}
app = FastAPI()
_local = threading.local()


def db() -> sqlite3.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = sqlite3.connect(DB_PATH, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA busy_timeout=5000")
        _local.conn = conn
    return conn


def error(status: int, code: str, message: str) -> HTTPException:
    return HTTPException(status_code=status, detail={"code": code, "message": message})


@app.exception_handler(HTTPException)
async def http_error(_: Request, exc: HTTPException):
    return JSONResponse(status_code=exc.status_code, content={"error": exc.detail})


def authenticate(authorization: str | None) -> dict:
    if not authorization or not authorization.startswith("Bearer "):
        raise error(401, "unauthenticated", "authentication required")
    digest = hashlib.sha256(authorization[7:].encode()).hexdigest()
    row = db().execute(
        "SELECT t.id, t.expires_at, u.id, u.email, u.name, u.is_admin, u.created_at FROM api_tokens t "
        "JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?", (digest,)).fetchone()
    if row is None:
        raise error(401, "unauthenticated", "the API token is not valid")
    if row[1] is not None and row[1] <= time.time() * 1000:
        raise error(401, "token_expired", "the API token has expired")
    return {"id": row[2], "email": row[3], "name": row[4], "isAdmin": bool(row[5]), "createdAt": row[6]}


def authorize(user: dict, team: str, project: str, min_role: str) -> None:
    row = db().execute("SELECT role FROM memberships WHERE team_id = ? AND user_id = ?", (team, user["id"])).fetchone()
    if row is None:
        raise error(404, "not_found", "team not found")
    if db().execute("SELECT 1 FROM projects WHERE id = ? AND team_id = ?", (project, team)).fetchone() is None:
        raise error(404, "not_found", "project not found")
    if ROLES[row[0]] < ROLES[min_role]:
        raise error(403, "forbidden", f"this needs the {min_role} role")


@app.get("/api/v1/me")
def me(authorization: str | None = Header(default=None)):
    return authenticate(authorization)


@app.get("/api/v1/teams/{team}/projects/{project}/apps")
def list_apps(team: str, project: str, limit: int = 50, after: str = "",
              authorization: str | None = Header(default=None)):
    user = authenticate(authorization)
    authorize(user, team, project, "viewer")
    if not 1 <= limit <= 200:
        raise error(400, "invalid_field", "limit must be an integer from 1 to 200")
    rows = db().execute(
        "SELECT id, name, spec, phase, message, created_at, updated_at, version FROM apps "
        "WHERE project_id = ? AND id > ? ORDER BY id LIMIT ?", (project, after, limit + 1)).fetchall()
    items = []
    for r in rows[:limit]:
        item = {"id": r[0], "name": r[1]}
        item.update(json.loads(r[2]))
        item.update({"status": {"phase": r[3], "message": r[4]}, "createdAt": r[5], "updatedAt": r[6], "version": r[7]})
        items.append(item)
    return {"items": items, "nextCursor": items[-1]["id"] if len(rows) > limit else None}


class BuildIn(BaseModel):
    gitRef: str = "HEAD"
    imageTag: str = ""

    class Config:
        extra = "forbid"


@app.post("/api/v1/teams/{team}/projects/{project}/apps/{app_id}/builds", status_code=201)
def create_build(team: str, project: str, app_id: str, body: BuildIn | None = None,
                 authorization: str | None = Header(default=None)):
    user = authenticate(authorization)
    authorize(user, team, project, "developer")
    if db().execute("SELECT 1 FROM apps WHERE id = ? AND project_id = ?", (app_id, project)).fetchone() is None:
        raise error(404, "not_found", "app not found")
    body = body or BuildIn()
    build_id = "%012x%s" % (int(time.time() * 1000), secrets.token_hex(4))
    now = int(time.time() * 1000)
    git_ref = body.gitRef
    image_tag = body.imageTag or build_id
    conn = db()
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(
        "INSERT INTO builds (id, team_id, project_id, app_id, git_ref, image_tag, status, message, logs_ref, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, 'Pending', '', ?, ?)",
        (build_id, team, project, app_id, git_ref, image_tag, "builds/" + build_id, now))
    conn.execute("COMMIT")
    return {"id": build_id, "appId": app_id, "gitRef": git_ref, "imageTag": image_tag,
            "status": {"phase": "Pending", "message": ""}, "logsRef": "builds/" + build_id,
            "createdAt": now, "startedAt": None, "finishedAt": None, "version": 1}
