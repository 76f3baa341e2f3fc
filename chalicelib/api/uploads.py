"""Number uploads for bulk tasks (seed: 号码上传): the standard template, small files in
the request body, large ones through a presigned S3 POST, and the parse result."""
from __future__ import annotations

from urllib.parse import quote

from chalice import Response

from ..errors import InvalidRequest
from ..files import numbers
from ..services import uploads
from .blueprint import Blueprint
from .callers import customer
from .request import header, json_body, query, raw_body
from .serializers import upload as view

bp = Blueprint(__name__)

XLSX = numbers.XLSX_CONTENT_TYPE
#: Bodies API Gateway must pass (and return) as bytes.
BINARY_TYPES = (XLSX, "text/csv")


@bp.route("/v1/tasks/number-template", methods=["GET"])
def number_template():
    """The standard xlsx template (a sheet to fill, one number per row, and instructions)."""
    customer(bp.current_request)
    kind = query(bp.current_request).get("kind", "international")
    if kind not in numbers.KINDS:
        raise InvalidRequest("kind", "must be international or domestic")
    filename = "号码模板.xlsx" if kind == "international" else "国内号码模板.xlsx"
    return Response(body=numbers.template(kind), status_code=200,
                    headers={"Content-Type": XLSX,
                             "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})


@bp.route("/v1/uploads", methods=["POST"], content_types=[XLSX, "text/csv", "application/octet-stream"])
def upload_numbers():
    """Parse a small list sent as the body (xlsx or csv, up to 5 MB): 201 with the counts.
    A corrupt or non-xlsx file is a 422 and creates nothing."""
    who = customer(bp.current_request)
    request = bp.current_request
    params = query(request)
    item = uploads.upload_file(who, params.get("kind"), raw_body(request), params.get("filename"),
                               header(request, "content-type"))
    return Response(body=_view(item), status_code=201)


@bp.route("/v1/uploads/presign", methods=["POST"])
def presign_upload():
    """A presigned S3 POST for a large list; parsing starts when the file lands."""
    who = customer(bp.current_request)
    body = json_body(bp.current_request)
    item, post = uploads.presign(who, body.get("kind"), body.get("filename"))
    return Response(body={**view(item, None, {}), "upload": post}, status_code=201)


@bp.route("/v1/uploads/{upload_id}", methods=["GET"])
def get_upload(upload_id):
    return _view(uploads.get(customer(bp.current_request), upload_id))


def _view(item) -> dict:
    return view(item, uploads.report_url(item), uploads.unpriced_countries(item))
