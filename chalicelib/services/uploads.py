"""Number uploads for bulk tasks (seed: 号码上传). Two ways in, one result:

- small files come in the request body and are parsed at once;
- large files go straight to S3 through a presigned POST (``uploads/<id>/source.<ext>``);
  S3 tells EventBridge, and the ``parse_uploaded_numbers`` job parses them
  (``upload_parts``: in one worker, or a large csv in parallel parts).

A presigned upload being parsed is watched: it sits in the tasks table's sparse due-index
(``due`` = ``PARSE``) at the time it counts as stalled, and every step a worker finishes moves
that time on. ``upload_parts.resume_stalled`` revives one whose workers all died.

Either way the valid numbers end up as gzip chunk files (``chunks/<id>/<n>.csv.gz``), the bad
rows in ``reports/<id>/异常数据.xlsx``, and the counts on the upload item. A file that cannot
be read fails with its reason; no chunk of it is ever used.
"""
from __future__ import annotations

import io
import logging
import tempfile
from datetime import timedelta
from typing import BinaryIO
from urllib.parse import quote

from .. import aws
from ..config import settings
from ..domain.ids import new_id
from ..domain.text import has_control_characters
from ..domain.upload_states import FAILED, PARSING, READY, UPLOADING
from ..errors import FieldError, InvalidRequest, NotFound, PayloadTooLarge, missing_or_invalid
from ..files import numbers
from ..store import uploads as store
from ..store.base import as_dict, utcnow
from ..store.uploads import Upload, get_upload, upload_pk
from . import catalog
from .identity import Caller

log = logging.getLogger(__name__)

FORMATS = ("xlsx", "csv")
MAX_DIRECT_BYTES = 5 * 1024 * 1024  # a Lambda request body tops out at 6 MB
MAX_PRESIGNED_BYTES = 2 * 1024 ** 3
MAX_FILENAME = 200
PRESIGN_SECONDS = 3600
REPORT_URL_SECONDS = 3600
UPLOADS_PREFIX = "uploads/"
#: A parse with no step finished for this long has lost its workers (a step is at most one
#: Lambda run, 15 minutes): it is resumed.
PARSE_STALE_AFTER = timedelta(minutes=20)
class UploadNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Upload")


def kind_field(value: object) -> str:
    if value is None:
        raise InvalidRequest("kind", "is required (international or domestic)")
    if value not in numbers.KINDS:
        raise FieldError("kind", "must be international or domestic")
    return value


def filename_field(value: object) -> str:
    """The name of an uploaded file, stripped (shown back on the upload; the stored object's
    key never uses it). FieldError on ``filename`` for one that is empty, too long, holds
    control characters or does not end in .xlsx or .csv."""
    if not isinstance(value, str) or not value.strip():
        raise missing_or_invalid("filename", value, "is required (the file's name, ending in .xlsx or .csv)")
    name = value.strip()
    if len(name) > MAX_FILENAME:
        raise FieldError("filename", f"must be at most {MAX_FILENAME} characters")
    if has_control_characters(name):
        raise FieldError("filename", "must not contain control characters")
    file_format(name, None)
    return name


def file_format(filename: str | None, content_type: str | None) -> str:
    """xlsx or csv, from the file name's extension or else the content type."""
    if filename:
        extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
        if extension not in FORMATS:
            raise FieldError("filename", "must end in .xlsx or .csv")
        return extension
    return "csv" if (content_type or "").split(";")[0].strip() in ("text/csv", "application/csv") else "xlsx"


def chunk_key(upload_id: str, index: int) -> str:
    return f"chunks/{upload_id}/{index:06d}.csv.gz"


def report_key(upload_id: str) -> str:
    return f"reports/{upload_id}/{numbers.BAD_ROWS_FILE}"


def source_key(upload_id: str, fmt: str) -> str:
    return f"{UPLOADS_PREFIX}{upload_id}/source.{fmt}"


# --- the two ways in -------------------------------------------------------------------------

def upload_file(caller: Caller, kind: object, data: bytes, filename: str | None,
                content_type: str | None) -> Upload:
    """Parse a file sent in the request body. An unreadable file is a FieldError (422 on
    ``file``) and leaves nothing behind: no upload item, no chunk."""
    kind = kind_field(kind)
    if not data:
        raise InvalidRequest("file", "is empty: send the xlsx or csv as the request body")
    if len(data) > MAX_DIRECT_BYTES:
        raise PayloadTooLarge("file", f"is larger than {MAX_DIRECT_BYTES // 1024 // 1024} MB: "
                                      "use POST /v1/uploads/presign for large lists")
    filename = filename_field(filename) if filename else None  # none given: the content type says
    fmt = file_format(filename, content_type)
    upload = _new_upload(caller, kind, filename or f"numbers.{fmt}", source_key=f"(request body).{fmt}")
    upload.status = PARSING
    try:
        parsed = _parse(upload, io.BytesIO(data), fmt)
    except numbers.UnreadableFile as exc:
        raise FieldError("file", f"cannot be read: {exc}") from None
    _finish(upload, parsed, new=True)
    return upload


def presign(caller: Caller, kind: object, filename: object) -> tuple[Upload, dict]:
    """An upload waiting for its file, and the presigned S3 POST (url + form fields) that
    sends it. S3 itself enforces the size limit."""
    kind = kind_field(kind)
    name = filename_field(filename)
    fmt = file_format(name, None)
    upload_id = new_id("upl")
    upload = _new_upload(caller, kind, name, source_key(upload_id, fmt), upload_id)
    upload.save(condition=Upload.pk.does_not_exist())
    post = aws.client("s3").generate_presigned_post(
        Bucket=settings().files_bucket, Key=upload.source_key, ExpiresIn=PRESIGN_SECONDS,
        Conditions=[["content-length-range", 1, MAX_PRESIGNED_BYTES]])
    return upload, {"url": post["url"], "fields": post["fields"],
                    "expires_in": PRESIGN_SECONDS, "max_bytes": MAX_PRESIGNED_BYTES}


def _new_upload(caller: Caller, kind: str, filename: str, source_key: str, upload_id: str | None = None) -> Upload:
    upload_id = upload_id or new_id("upl")
    return Upload(upload_pk(upload_id), upload_id=upload_id, account_id=caller.account_id,
                  created_by=caller.actor, kind=kind, filename=filename, source_key=source_key,
                  status=UPLOADING, created_at=utcnow())


# --- parsing in one worker (large csv lists are parsed in parts: services.upload_parts) ------

def upload_id_from_key(key: str) -> str | None:
    """The upload a source object belongs to (``uploads/<id>/source.<ext>``)."""
    parts = key.split("/")
    if len(parts) == 3 and parts[0] + "/" == UPLOADS_PREFIX and parts[2].startswith("source."):
        return parts[1]
    return None


def claim_stored(key: str) -> Upload | None:
    """The upload an uploaded source object (the S3 event's key) belongs to, claimed for
    parsing (status ``parsing``, watched). None when the key belongs to no upload, or when
    the upload is parsed or being parsed already: S3 events come at least once."""
    upload_id = upload_id_from_key(key)
    upload = get_upload(upload_id) if upload_id else None
    if upload is None or upload.source_key != key:
        log.warning("object %s belongs to no upload; ignored", key)
        return None
    if not store.claim_for_parse(upload, watch_until()):
        return None
    return upload


def watch_until(now=None):
    """When an upload whose step finished ``now`` counts as stalled."""
    return (now or utcnow()) + PARSE_STALE_AFTER


def release(upload: Upload) -> bool:
    """Hand a claimed upload back (``uploading``) after its parse failed on an error that is
    not the file's, so the S3 event's retry claims it again instead of finding it taken. It
    stays watched, in case the retries run out first."""
    return store.hand_back(upload)


def parse_whole(upload: Upload) -> str:
    """Parse a claimed upload's source object in this worker; a re-parse writes the same
    chunk files."""
    with tempfile.TemporaryFile() as local:
        aws.client("s3").download_fileobj(settings().files_bucket, upload.source_key, local)
        local.seek(0)
        try:
            parsed = _parse(upload, local, source_format(upload))
        except numbers.UnreadableFile as exc:
            fail(upload, str(exc))
            return FAILED
    _finish(upload, parsed, new=False)
    return READY


def source_format(upload: Upload) -> str:
    return upload.source_key.rsplit(".", 1)[-1]


def fail(upload: Upload, reason: str) -> bool:
    """Mark a parsing upload failed because its file cannot be read; False if it was not
    parsing any more (another worker finished or failed it first)."""
    return store.fail_parse(upload, f"file cannot be read: {reason}")


def _parse(upload: Upload, data: BinaryIO, fmt: str) -> numbers.ParsedList:
    return numbers.parse_to_chunks(data, f"numbers.{fmt}", upload.kind, settings().task_chunk_size,
                                   chunk_putter(upload.upload_id))


def chunk_putter(upload_id: str, first: int = 0):
    """``put(index, body)`` storing chunk file ``first + index`` of an upload."""
    s3, bucket = aws.client("s3"), settings().files_bucket

    def put_chunk(index: int, body: bytes) -> None:
        s3.put_object(Bucket=bucket, Key=chunk_key(upload_id, first + index), Body=body,
                      ContentType="text/csv", ContentEncoding="gzip")
    return put_chunk


def put_report(upload_id: str, xlsx: bytes) -> str:
    """Store 异常数据.xlsx for an upload; its key."""
    key = report_key(upload_id)
    aws.client("s3").put_object(Bucket=settings().files_bucket, Key=key, Body=xlsx,
                                ContentType=numbers.XLSX_CONTENT_TYPE)
    return key


def _finish(upload: Upload, parsed: numbers.ParsedList, *, new: bool) -> None:
    """Record the counts (and the bad-row report) on the upload: it is ready."""
    if parsed.bad_rows_xlsx:
        put_report(upload.upload_id, parsed.bad_rows_xlsx)
    result = parsed.result
    store.mark_ready(upload, {"total_rows": result.total_rows, "valid": result.valid, "invalid": result.invalid,
                              "duplicates": result.duplicates, "countries": dict(result.countries),
                              "chunk_count": parsed.chunk_count,
                              "report_key": report_key(upload.upload_id) if parsed.bad_rows_xlsx else None},
                     new=new)


# --- reading ---------------------------------------------------------------------------------

def get(caller: Caller, upload_id: object) -> Upload:
    """The caller's upload; another account's is indistinguishable from a missing one."""
    upload = get_upload(upload_id) if isinstance(upload_id, str) and upload_id.startswith("upl_") else None
    if upload is None or upload.account_id != caller.account_id:
        raise UploadNotFound()
    return upload


def unpriced_countries(upload: Upload) -> dict[str, int]:
    """Country → how many of the list's valid numbers are there, for each country not on the
    account's price list: a task of this list is refused until they are priced or removed.
    Read from the prices of now, not stored, so an operator's new price clears it at once."""
    countries = as_dict(upload.countries)
    if not countries:  # not parsed yet (or nothing valid): no price to read
        return {}
    prices = catalog.effective_prices(upload.account_id)
    return {country: int(count) for country, count in sorted(countries.items()) if country not in prices}


def report_url(upload: Upload) -> str | None:
    """A presigned download of 异常数据.xlsx, named so in the browser."""
    if not upload.report_key:
        return None
    disposition = f"attachment; filename*=UTF-8''{quote(numbers.BAD_ROWS_FILE)}"
    return aws.client("s3").generate_presigned_url(
        "get_object", ExpiresIn=REPORT_URL_SECONDS,
        Params={"Bucket": settings().files_bucket, "Key": upload.report_key,
                "ResponseContentDisposition": disposition})


def read_chunk(upload_id: str, index: int) -> list[tuple[str, str]]:
    """The (e164, country) pairs of one chunk file."""
    body = aws.client("s3").get_object(Bucket=settings().files_bucket, Key=chunk_key(upload_id, index))["Body"]
    return numbers.read_chunk(body.read())
