"""Number uploads: the template, small files in the body, presigned large files parsed from
the S3 event, the bad-row report, and refusals that leave nothing behind."""
from __future__ import annotations

import io

import boto3
import pytest
import requests
from openpyxl import load_workbook

from chalicelib.files import numbers
from chalicelib.store.uploads import Upload
from tests.service.tasks_helpers import XLSX, csv_file, handler, object_created, upload, xlsx_file


def test_number_template_is_the_standard_xlsx(client, demo_token):
    # API Gateway returns binary bodies to clients that accept them: browsers, curl and
    # requests all send Accept: */*.
    reply = client.get("/v1/tasks/number-template?kind=domestic", token=demo_token, headers={"Accept": "*/*"})
    assert reply.status == 200 and reply.headers["Content-Type"] == XLSX
    assert "attachment" in reply.headers["Content-Disposition"]
    assert load_workbook(io.BytesIO(reply.body), read_only=True).sheetnames == ["号码", "说明"]
    assert client.get("/v1/tasks/number-template?kind=moon", token=demo_token).status == 400
    assert client.get("/v1/tasks/number-template").status == 401


def test_xlsx_with_good_and_bad_rows(client, demo_token):
    data = xlsx_file(["+447400100001", 447400100002, "447400100001", "hello", "+44123", "8613800138000"])
    reply = upload(client, demo_token, data)
    assert reply.status == 201, reply
    body = reply.json
    assert body["status"] == "ready"
    assert (body["total_rows"], body["valid"], body["invalid"], body["duplicates"]) == (6, 3, 2, 1)
    assert body["countries"] == {"GB": 2, "CN": 1}
    assert body["message"] == "检测到异常数据2条"
    report = requests.get(body["invalid_report_url"], timeout=5)
    assert report.status_code == 200 and "%E5%BC%82%E5%B8%B8" in body["invalid_report_url"]  # 异常数据.xlsx
    rows = list(load_workbook(io.BytesIO(report.content), read_only=True).worksheets[0].iter_rows(values_only=True))
    assert rows[0] == numbers.BAD_ROWS_HEADER and [(r[0], r[1]) for r in rows[1:]] == [(5, "hello"), (6, "+44123")]
    again = client.get(f"/v1/uploads/{body['upload_id']}", token=demo_token).json
    assert again["valid"] == 3 and again["invalid_report_url"]


def test_domestic_lists_take_mainland_numbers_only(client, demo_token):
    reply = upload(client, demo_token, csv_file(["8613800138000", "+85291234567"]), kind="domestic",
                   filename="list.csv")
    assert reply.status == 201 and (reply.json["valid"], reply.json["invalid"]) == (1, 1)
    assert reply.json["countries"] == {"CN": 1} and reply.json["message"] == "检测到异常数据1条"


def test_a_clean_file_has_no_report(client, demo_token):
    body = upload(client, demo_token, xlsx_file(["+447400100001"])).json
    assert body["invalid"] == 0 and body["message"] is None and body["invalid_report_url"] is None


def _objects(prefix: str) -> list[str]:
    s3 = boto3.client("s3", region_name="us-east-1")
    return [o["Key"] for o in s3.list_objects_v2(Bucket="jmc-local-files", Prefix=prefix).get("Contents", [])]


def test_corrupt_or_foreign_files_are_refused_and_nothing_is_created(client, demo_token):
    for data, filename in ((b"PK\x03\x04 not really a zip", "x.xlsx"), (b"%PDF-1.7 a pdf", "x.xlsx"),
                           (b"\xff\xfe\x00\x00bad", "x.csv")):
        reply = upload(client, demo_token, data, filename=filename)
        assert reply.status == 422 and reply.json["error"]["field"] == "file", reply
        assert "cannot be read" in reply.json["error"]["message"]
    assert list(Upload.scan()) == [] and _objects("chunks/") == [] and _objects("reports/") == []


def test_bad_requests_name_the_field(client, demo_token, ops_token):
    assert upload(client, demo_token, xlsx_file(["1"]), kind="moon").json["error"]["field"] == "kind"
    assert client.call("POST", "/v1/uploads?kind=international", token=demo_token, raw_body=b"",
                       headers={"Content-Type": XLSX}).json["error"]["field"] == "file"
    assert upload(client, demo_token, b"x", filename="x.pdf").json["error"]["field"] == "filename"
    assert upload(client, ops_token, xlsx_file(["+447400100001"])).status == 403
    assert client.get("/v1/uploads/upl_nope", token=demo_token).status == 404


def test_uploads_are_private_to_their_account(client, app, demo_token, ops_token):
    from tests.service.helpers import initial_password, login
    body = upload(client, demo_token, xlsx_file(["+447400100001"])).json
    client.post("/v1/ops/accounts", {"name": "Rival", "owner": {"email": "r@up.example", "name": "R"}}, token=ops_token)
    rival = login(client, app, "r@up.example", initial_password(app, "r@up.example"))["access_token"]
    assert client.get(f"/v1/uploads/{body['upload_id']}", token=rival).status == 404


def test_presigned_upload_is_parsed_from_the_s3_event(client, app, demo_token):
    reply = client.post("/v1/uploads/presign", {"kind": "international", "filename": "big.csv"}, token=demo_token)
    assert reply.status == 201 and reply.json["status"] == "uploading"
    post = reply.json["upload"]
    sent = requests.post(post["url"], data=post["fields"],
                         files={"file": ("big.csv", csv_file(["+447400100001", "+447400100002", "bad"]))}, timeout=5)
    assert sent.status_code in (200, 204), sent.text
    key = post["fields"]["key"]
    assert key.startswith("uploads/") and key.endswith("/source.csv")
    event = object_created(key)
    parse = handler(app, "parse_uploaded_numbers")
    parse(event, None)
    parse(event, None)  # EventBridge delivers at least once: the second changes nothing
    body = client.get(f"/v1/uploads/{reply.json['upload_id']}", token=demo_token).json
    assert (body["status"], body["valid"], body["invalid"]) == ("ready", 2, 1)
    assert len(_objects(f"chunks/{reply.json['upload_id']}/")) == 1


def test_a_parse_that_fails_on_aws_is_parsed_again_by_the_events_retry(client, app, demo_token, monkeypatch):
    from chalicelib.services import uploads
    reply = client.post("/v1/uploads/presign", {"kind": "international", "filename": "big.csv"}, token=demo_token)
    key = reply.json["upload"]["fields"]["key"]
    boto3.client("s3", region_name="us-east-1").put_object(Bucket="jmc-local-files", Key=key,
                                                           Body=csv_file(["+447400100001", "bad"]))
    real_putter = uploads.chunk_putter

    def s3_down(*args):
        raise ConnectionError("S3 is unreachable")
    monkeypatch.setattr(uploads, "chunk_putter", lambda *a: s3_down)
    parse = handler(app, "parse_uploaded_numbers")
    with pytest.raises(ConnectionError):
        parse(object_created(key), None)  # Lambda retries an asynchronous event that raised
    assert client.get(f"/v1/uploads/{reply.json['upload_id']}", token=demo_token).json["status"] == "uploading"
    monkeypatch.setattr(uploads, "chunk_putter", real_putter)
    parse(object_created(key), None)
    body = client.get(f"/v1/uploads/{reply.json['upload_id']}", token=demo_token).json
    assert (body["status"], body["valid"], body["invalid"]) == ("ready", 1, 1)


def test_a_presigned_file_that_cannot_be_read_fails_with_the_reason(client, app, demo_token):
    reply = client.post("/v1/uploads/presign", {"kind": "international", "filename": "x.xlsx"}, token=demo_token)
    key = reply.json["upload"]["fields"]["key"]
    boto3.client("s3", region_name="us-east-1").put_object(Bucket="jmc-local-files", Key=key, Body=b"garbage")
    handler(app, "parse_uploaded_numbers")(object_created(key), None)
    body = client.get(f"/v1/uploads/{reply.json['upload_id']}", token=demo_token).json
    assert body["status"] == "failed" and "cannot be read" in body["error"] and body["valid"] == 0


def test_an_upload_names_the_countries_it_has_no_price_for(client, demo_token, ops_token, seeded):
    # GB and CN are on the demo account's price list (seed); FR and BR are on none.
    data = csv_file(["+447400100001", "+33612345678", "+33612345679", "+5511987654321", "8613800138000"])
    body = upload(client, demo_token, data, filename="list.csv").json
    assert body["unpriced_countries"] == {"BR": 1, "FR": 2}
    assert body["unpriced_message"] == {
        "en": "3 number(s) are in countries or regions not on this account's price list: Brazil (BR) 1, "
              "France (FR) 2. A task with this list is refused until they are priced or removed.",
        "zh": "有3个号码所在国家/地区不在本账户价格表中：巴西 (BR) 1个，法国 (FR) 2个。"
              "使用此名单创建任务会被拒绝，请先定价或删除这些号码。"}
    # The note is read from the prices of now: an operator's price clears that country.
    priced = client.put("/v1/ops/prices/FR", {"price": "0.0600", "account_id": seeded.demo_account_id},
                        token=ops_token)
    assert priced.status == 200, priced
    again = client.get(f"/v1/uploads/{body['upload_id']}", token=demo_token).json
    assert again["unpriced_countries"] == {"BR": 1} and "Brazil (BR) 1." in again["unpriced_message"]["en"]


def test_a_fully_priced_upload_has_no_price_note(client, demo_token):
    body = upload(client, demo_token, xlsx_file(["+447400100001", "8613800138000"])).json
    assert body["unpriced_countries"] == {} and body["unpriced_message"] is None


def test_a_presigned_upload_names_unpriced_countries_once_parsed(client, app, demo_token):
    reply = client.post("/v1/uploads/presign", {"kind": "international", "filename": "big.csv"}, token=demo_token)
    assert reply.json["unpriced_countries"] == {} and reply.json["unpriced_message"] is None  # nothing read yet
    key = reply.json["upload"]["fields"]["key"]
    boto3.client("s3", region_name="us-east-1").put_object(Bucket="jmc-local-files", Key=key,
                                                           Body=csv_file(["+447400100001", "+33612345678"]))
    handler(app, "parse_uploaded_numbers")(object_created(key), None)
    body = client.get(f"/v1/uploads/{reply.json['upload_id']}", token=demo_token).json
    assert body["status"] == "ready" and body["unpriced_countries"] == {"FR": 1}


def test_a_file_name_over_200_characters_is_refused_with_the_limit_either_way_in(client, demo_token):
    long_name = "n" * 4996 + ".csv"
    direct = upload(client, demo_token, csv_file(["+447400100001"]), filename=long_name)
    presigned = client.post("/v1/uploads/presign", {"kind": "international", "filename": long_name}, token=demo_token)
    for reply in (direct, presigned):
        assert (reply.status, reply.json["error"]["field"]) == (422, "filename"), reply
        assert reply.json["error"]["message"] == "filename must be at most 200 characters"
    assert list(Upload.scan()) == []
    fits = "n" * 196 + ".csv"
    assert upload(client, demo_token, csv_file(["+447400100001"]), filename=fits).json["filename"] == fits
    assert client.post("/v1/uploads/presign", {"kind": "international", "filename": f" {fits} "},
                       token=demo_token).json["filename"] == fits


def test_a_file_name_with_control_characters_is_refused(aws):
    from chalicelib.errors import FieldError
    from chalicelib.services import uploads
    with pytest.raises(FieldError) as caught:
        uploads.filename_field("list\n.csv")
    assert caught.value.message == "filename must not contain control characters"


def test_a_formula_without_a_saved_result_is_reported_as_a_bad_row(client, demo_token):
    body = upload(client, demo_token, xlsx_file(["+447400100001", '="44"&"7400100002"'])).json
    assert (body["total_rows"], body["valid"], body["invalid"]) == (2, 1, 1)
    assert body["message"] == "检测到异常数据1条"
    report = requests.get(body["invalid_report_url"], timeout=5)
    rows = list(load_workbook(io.BytesIO(report.content), read_only=True).worksheets[0].iter_rows(values_only=True))
    assert rows[1] == (3, '="44"&"7400100002"', numbers.FORMULA_WITHOUT_RESULT)
