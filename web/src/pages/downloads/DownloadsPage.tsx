// 下载中心: every export of the account (GET /v1/exports) newest first, by 导出类型 and 时间周期
// (the creation time); status and progress, refreshed while one is running; the file
// downloaded through its presigned link (fetched fresh: a link lives an hour), a pending or
// running export cancelled, a finished one deleted; expiry in the account's zone.
import { App, Button, type ButtonProps, Col, Form, Popconfirm, Progress, Row, Select, Space, Typography } from "antd";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, getPage } from "../../api/client";
import { useZone } from "../../auth/me";
import { PageTitle } from "../../components/PageTitle";
import { ServerTable, useServerTable } from "../../components/ServerTable";
import { ZoneNote, ZonedRangePicker } from "../../components/ZonedPickers";
import { useNotify } from "../../components/useNotify";
import { fieldErrors } from "../../lib/errors";
import { formatTime } from "../../lib/time";
import { StatusTag } from "../../components/StatusTag";
import "./i18n";

export interface Export {
  export_id: string;
  type: string;
  format: "csv" | "xlsx";
  lang: string;
  filters: Record<string, unknown>;
  status: "pending" | "running" | "succeeded" | "failed" | "cancelled";
  rows: number;
  bytes: number;
  progress: number;
  filename: string | null;
  created_by: string;
  created_at: string;
  finished_at: string | null;
  expires_at: string;
  error: string | null;
  download_url?: string;
}

const TYPES = ["tasks", "task_cost", "task_failures", "messages", "report", "voice_calls"];
const UNFINISHED = new Set(["pending", "running"]);
const POLL_MS = 2000;
const CONFIRM_OK = { "data-testid": "confirm-ok" } as ButtonProps;

interface FilterValues { type?: string; range?: [string, string] | null }
type Query = Record<string, string>;

function toQuery(values: FilterValues): Query {
  const query: Query = {};
  if (values.type) query.type = values.type;
  if (values.range) [query.start, query.end] = values.range;
  return query;
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Hands the link to the browser: the response is an attachment, so the page stays. */
function fetchFile(url: string): void {
  const link = document.createElement("a");
  link.href = url;
  link.rel = "noopener";
  document.body.appendChild(link);
  link.click();
  link.remove();
}

export default function DownloadsPage() {
  const { t } = useTranslation("downloads");
  const [form] = Form.useForm<FilterValues>();
  const [applied, setApplied] = useState<{ query: Query; run: number }>({ query: {}, run: 0 });

  function search(values: FilterValues) {
    form.setFields([{ name: "type", errors: [] }, { name: "range", errors: [] }]);
    setApplied((a) => ({ query: toQuery(values), run: a.run + 1 }));
  }

  function markField(error: unknown) {
    form.setFields(fieldErrors(error, t, ["type", "start", "end"])
      .map(({ name, errors }) => ({ name: name === "type" ? "type" : "range", errors })));
  }

  return (
    <>
      <PageTitle title={t("title")} extra={
        <Button onClick={() => setApplied((a) => ({ ...a, run: a.run + 1 }))} data-testid="downloads-refresh">
          {t("common:action.refresh")}
        </Button>} />
      <Form form={form} layout="vertical" onFinish={search} data-testid="download-filters">
        <Row gutter={16}>
          <Col xs={24} md={8} xl={6}>
            <Form.Item name="type" label={t("type")}>
              <Select allowClear placeholder={t("any")} options={TYPES.map((v) => ({ value: v, label: t(`types.${v}`) }))} />
            </Form.Item>
          </Col>
          <Col xs={24} md={16} xl={12}>
            <Form.Item name="range" label={t("range")} extra={t("rangeHelp")}>
              <ZonedRangePicker />
            </Form.Item>
          </Col>
        </Row>
        <Space style={{ marginBottom: 16 }}>
          <Button type="primary" htmlType="submit" data-testid="downloads-search">{t("common:action.search")}</Button>
          <Button onClick={() => { form.resetFields(); search({}); }} data-testid="downloads-reset">{t("common:action.reset")}</Button>
        </Space>
      </Form>
      <ExportTable key={applied.run} query={applied.query} onError={markField} />
    </>
  );
}

function ExportTable({ query, onError }: { query: Query; onError: (e: unknown) => void }) {
  const { t } = useTranslation("downloads");
  const zone = useZone();
  const { fail, done } = useNotify();
  const { message } = App.useApp();
  const [poll, setPoll] = useState<number | undefined>(undefined);
  const state = useServerTable<Export>(async (cursor) => {
    try {
      return await getPage<Export>("/v1/exports", "exports", { ...query, cursor, limit: 20 });
    } catch (e) {
      onError(e);
      throw e;
    }
  }, [], poll);
  const running = state.items.some((e) => UNFINISHED.has(e.status));
  useEffect(() => setPoll(running ? POLL_MS : undefined), [running]);

  async function download(row: Export) {
    try {
      const fresh = await api.get<Export>(`/v1/exports/${encodeURIComponent(row.export_id)}`);
      if (fresh.download_url) fetchFile(fresh.download_url);
      else void message.warning(t("noLink"));
    } catch (e) {
      fail(e);
    }
  }

  async function remove(row: Export) {
    try {
      await api.del(`/v1/exports/${encodeURIComponent(row.export_id)}`);
      done(UNFINISHED.has(row.status) ? t("cancelled") : t("removed"));
    } catch (e) {
      fail(e);
    }
    await state.reload();
  }

  const expired = (row: Export) => new Date(row.expires_at).getTime() <= Date.now();
  // a finished file past its expiry can no longer be downloaded: it reads as expired
  const shownStatus = (row: Export) => (row.status === "succeeded" && expired(row) ? "expired" : row.status);

  return (
    <>
      <Space style={{ marginBottom: 8 }} wrap>
        <ZoneNote />
        {running && <Typography.Text type="secondary" data-testid="downloads-polling">{t("polling")}</Typography.Text>}
      </Space>
      <ServerTable<Export> state={state} rowKey="export_id" data-testid="downloads-table"
        columns={[
          { title: t("col.filename"), dataIndex: "filename", render: (v: string | null) => v ?? "" },
          { title: t("col.type"), dataIndex: "type", render: (v: string) => t(`types.${v}`, { defaultValue: v }) },
          { title: t("col.format"), dataIndex: "format", render: (v: string) => v.toUpperCase() },
          { title: t("col.status"), dataIndex: "status", render: (_: string, row) => (
            <span data-testid="export-status" data-status={shownStatus(row)}>
              <StatusTag status={shownStatus(row)} ns="downloads" />
            </span>) },
          { title: t("col.progress"), dataIndex: "progress", render: (p: number, row) => (
            <Progress percent={p} size="small" style={{ width: 120, margin: 0 }}
              status={row.status === "failed" || row.status === "cancelled" ? "exception"
                : row.status === "succeeded" ? "success" : "active"}
              aria-label={`${t("col.progress")} ${p}%`} />) },
          { title: t("col.rows"), dataIndex: "rows", align: "right" },
          { title: t("col.size"), dataIndex: "bytes", align: "right", render: (b: number) => size(b) },
          { title: t("col.createdAt"), dataIndex: "created_at", render: (v: string) => formatTime(v, zone) },
          { title: t("col.finishedAt"), dataIndex: "finished_at", render: (v: string | null) => formatTime(v, zone) },
          { title: t("col.expiresAt"), dataIndex: "expires_at", render: (v: string, row) => (
            <span data-testid="export-expires">
              {formatTime(v, zone)}{expired(row) && <Typography.Text type="danger"> {t("expired")}</Typography.Text>}
            </span>) },
          { title: t("col.error"), dataIndex: "error", render: (v: string | null) => v ?? "" },
          { title: t("common:table.actions"), key: "actions", fixed: "right", render: (_: unknown, row) => (
            <Space>
              {row.status === "succeeded" && !expired(row) && (
                <Button size="small" type="primary" onClick={() => void download(row)} data-testid="export-download">
                  {t("common:action.download")}
                </Button>
              )}
              {UNFINISHED.has(row.status) ? (
                <Popconfirm title={t("cancelAsk")} okText={t("common:action.confirm")} cancelText={t("common:action.cancel")}
                  okButtonProps={CONFIRM_OK}
                  onConfirm={() => remove(row)}>
                  <Button size="small" data-testid="export-cancel">{t("cancel")}</Button>
                </Popconfirm>
              ) : (
                <Popconfirm title={t("removeAsk")} okText={t("common:action.confirm")} cancelText={t("common:action.cancel")}
                  okButtonProps={CONFIRM_OK}
                  onConfirm={() => remove(row)}>
                  <Button size="small" data-testid="export-delete">{t("remove")}</Button>
                </Popconfirm>
              )}
            </Space>) },
        ]} />
    </>
  );
}
