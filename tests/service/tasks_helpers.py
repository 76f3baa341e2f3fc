"""Helpers for bulk-task tests: number files, uploads and tasks through the API, and the
task queue and scheduler played through their registered handlers."""
from __future__ import annotations

import csv
import io

from tests.number_files import XLSX, xlsx_file  # noqa: F401  (re-exported for the task tests)
from tests.service.helpers import drain_queue


def uk_numbers(count: int, start: int = 0) -> list[str]:
    return [f"+4474001{i:05d}" for i in range(start, start + count)]


def csv_file(values: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["phone"])
    writer.writerows([v] for v in values)
    return out.getvalue().encode()


def upload(client, token: str, data: bytes, kind: str = "international", filename: str = "numbers.xlsx"):
    content_type = "text/csv" if filename.endswith(".csv") else XLSX
    return client.call("POST", f"/v1/uploads?kind={kind}&filename={filename}", token=token, raw_body=data,
                       headers={"Content-Type": content_type})


def app_id_of(client, token: str) -> str:
    return client.get("/v1/apps", token=token).json["apps"][0]["id"]


def new_task(client, token: str, upload_id: str, **fields):
    body = {"name": "Promo", "kind": "international", "app_id": app_id_of(client, token), "upload_id": upload_id,
            "content": "Hello from JMC", "blacklist_check": True, **fields}
    return client.post("/v1/tasks", body, token=token)


def run_tasks(app) -> int:
    """Play the task queue (chunk tickets) through its handler until it is empty."""
    return drain_queue(app, "tasks")


def tick(app) -> None:
    """One scheduler tick, through the registered handler."""
    from devstack.runner import scheduled_event
    handler(app, "start_due_tasks")(scheduled_event("start_due_tasks", "us-east-1"), None)


def object_created(key: str) -> dict:
    """The EventBridge event S3 sends when an object lands in the files bucket."""
    return {"version": "0", "id": "e1", "detail-type": "Object Created", "source": "aws.s3",
            "account": "123456789012", "time": "2026-11-23T00:00:00Z", "region": "us-east-1",
            "resources": ["arn:aws:s3:::jmc-local-files"],
            "detail": {"bucket": {"name": "jmc-local-files"}, "object": {"key": key, "size": 1}}}


def handler(app, name: str):
    """A registered event handler (S3 event, schedule or queue), by function name."""
    from devstack.runner import resolve_handler
    source = next(s for s in app.event_sources if s.name == name)
    return resolve_handler(source.handler_string)
