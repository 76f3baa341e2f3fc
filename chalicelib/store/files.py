"""Objects in the files bucket that are written as streams: a file of any size goes up in
parts while it is being made (memory holds one part), and is joined from other objects
server-side where it can be.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast
from urllib.parse import quote

from botocore.exceptions import ClientError

from .. import aws
from ..config import settings

PART_BYTES = 8 * 1024 * 1024  # what a streamed part holds (S3: at least 5 MiB but the last)


def _s3() -> Any:
    return aws.client("s3")


def _bucket() -> str:
    return settings().files_bucket


class StreamedObject:
    """A binary sink that becomes the object ``key``: bytes written are sent in parts of
    ``PART_BYTES`` as they fill (a multipart upload, started with the first full part); an
    object smaller than one part is one PutObject at ``close``. ``abort`` leaves nothing."""

    def __init__(self, key: str, *, content_type: str = "application/octet-stream",
                 metadata: dict[str, str] | None = None, part_bytes: int = PART_BYTES):
        self.key = key
        self._content_type = content_type
        self._metadata = metadata or {}
        self._part_bytes = part_bytes
        self._buffer = bytearray()
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self._buffer += data
        self.size += len(data)
        while len(self._buffer) >= self._part_bytes:
            self._send(bytes(self._buffer[:self._part_bytes]))
            del self._buffer[:self._part_bytes]
        return len(data)

    def tell(self) -> int:
        return self.size

    def _send(self, body: bytes) -> None:
        if self._upload_id is None:
            self._upload_id = start_multipart(self.key, self._content_type, self._metadata)
        self._parts.append(upload_part(self.key, self._upload_id, len(self._parts) + 1, body))

    def close(self) -> int:
        """Finish the object; its size."""
        if self._upload_id is None:
            _s3().put_object(Bucket=_bucket(), Key=self.key, Body=bytes(self._buffer),
                             ContentType=self._content_type, Metadata=self._metadata)
        else:
            if self._buffer:
                self._send(bytes(self._buffer))
            complete_multipart(self.key, self._upload_id, self._parts)
        self._buffer.clear()
        return self.size

    def abort(self) -> None:
        if self._upload_id is not None:
            abort_multipart(self.key, self._upload_id)
        self._buffer.clear()


def start_multipart(key: str, content_type: str, metadata: dict[str, str]) -> str:
    return cast(str, _s3().create_multipart_upload(Bucket=_bucket(), Key=key, ContentType=content_type,
                                         Metadata=metadata)["UploadId"])


def upload_part(key: str, upload_id: str, number: int, body: bytes) -> dict[str, Any]:
    reply = _s3().upload_part(Bucket=_bucket(), Key=key, UploadId=upload_id, PartNumber=number, Body=body)
    return {"PartNumber": number, "ETag": reply["ETag"]}


def copy_part(key: str, upload_id: str, number: int, source_key: str, start: int, end: int) -> dict[str, Any]:
    """Part ``number`` is bytes ``[start, end)`` of ``source_key``, copied inside S3."""
    reply = _s3().upload_part_copy(Bucket=_bucket(), Key=key, UploadId=upload_id, PartNumber=number,
                                   CopySource={"Bucket": _bucket(), "Key": source_key},
                                   CopySourceRange=f"bytes={start}-{end - 1}")
    return {"PartNumber": number, "ETag": reply["CopyPartResult"]["ETag"]}


def complete_multipart(key: str, upload_id: str, parts: list[dict[str, Any]]) -> bool:
    """Complete the upload; False if S3 no longer knows it (completed or aborted before)."""
    try:
        _s3().complete_multipart_upload(Bucket=_bucket(), Key=key, UploadId=upload_id,
                                        MultipartUpload={"Parts": parts})
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "NoSuchUpload":
            return False
        raise
    return True


def abort_multipart(key: str, upload_id: str) -> None:
    try:
        _s3().abort_multipart_upload(Bucket=_bucket(), Key=key, UploadId=upload_id)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "NoSuchUpload":
            raise


def read_range(key: str, start: int, end: int) -> bytes:
    """Bytes ``[start, end)`` of ``key``."""
    if end <= start:
        return b""
    return cast(bytes, _s3().get_object(Bucket=_bucket(), Key=key, Range=f"bytes={start}-{end - 1}")["Body"].read())


def metadata(key: str) -> dict[str, str] | None:
    """The object's user metadata, or None when there is no such object."""
    try:
        return cast(dict[str, str], _s3().head_object(Bucket=_bucket(), Key=key).get("Metadata", {}))
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise


def delete(keys: Iterable[str]) -> None:
    keys = list(keys)
    for start in range(0, len(keys), 1000):
        _s3().delete_objects(Bucket=_bucket(), Delete={"Objects": [{"Key": k} for k in keys[start:start + 1000]],
                                                       "Quiet": True})


def download_url(key: str, filename: str, content_type: str, seconds: int) -> str:
    """A presigned GET whose response names the file ``filename`` (UTF-8, RFC 6266) in the
    browser, with an ASCII fallback for clients that read only ``filename=``."""
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    return cast(str, _s3().generate_presigned_url(
        "get_object", ExpiresIn=seconds,
        Params={"Bucket": _bucket(), "Key": key, "ResponseContentDisposition": disposition,
                "ResponseContentType": content_type}))
