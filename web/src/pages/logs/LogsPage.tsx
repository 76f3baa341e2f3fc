// 日志查询: the message log (GET /v1/messages) newest first, by every filter the API takes
// (the seeds': 营销类/交易类, 接收方手机号码, 任务名称, 国家名称, Message Id, 任务ID, 时间周期;
// and the status), paged by its cursor; a message's details in a drawer; the current filters
// exported as csv or xlsx to the download center.
import { Button, Col, Form, Input, Row, Select, Space } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { getPage } from "../../api/client";
import { useZone } from "../../auth/me";
import { PageTitle } from "../../components/PageTitle";
import { ServerTable, useServerTable } from "../../components/ServerTable";
import { ZonedRangePicker } from "../../components/ZonedPickers";
import { fieldErrors } from "../../lib/errors";
import { formatTime } from "../../lib/time";
import "./i18n";
import { StatusTag } from "../../components/StatusTag";
import { MessageDrawer, type Message } from "./MessageDrawer";
import { ExportNotice, matchOption, useCountryOptions, useExport, type ExportFormat } from "./shared";

export const MESSAGE_STATUSES = ["queued", "submitted", "delivered", "failed", "expired", "rejected", "blocked"];
const TEXT_FILTERS = ["to", "task_name", "message_id", "task_id"] as const;
const API_FIELDS = ["type", "to", "task_name", "country", "message_id", "task_id", "status", "start", "end"];

interface FilterValues {
  type?: string;
  to?: string;
  task_name?: string;
  country?: string;
  message_id?: string;
  task_id?: string;
  status?: string;
  range?: [string, string] | null;
}

type Query = Record<string, string>;
const FORM_FIELDS: (keyof FilterValues)[] = ["type", "to", "task_name", "country", "message_id", "task_id", "status", "range"];

/** The form as the API's query: trimmed, empties left out, the range as start / end. */
function toQuery(values: FilterValues): Query {
  const query: Query = {};
  for (const name of ["type", "country", "status"] as const) if (values[name]) query[name] = values[name]!;
  for (const name of TEXT_FILTERS) {
    const text = values[name]?.trim();
    if (text) query[name] = text;
  }
  if (values.range) [query.start, query.end] = values.range;
  return query;
}

/** An API field (`filters.start`, `to`) as the form's field. */
function formField(field: string): string {
  const name = field.replace(/^filters\./, "");
  return name === "start" || name === "end" ? "range" : name;
}

export default function LogsPage() {
  const { t } = useTranslation("logs");
  const [form] = Form.useForm<FilterValues>();
  const countries = useCountryOptions();
  const [applied, setApplied] = useState<{ query: Query; run: number }>({ query: {}, run: 0 });
  const [open, setOpen] = useState<string | null>(null);
  const exporter = useExport("messages");

  function markField(error: unknown) {
    const found = fieldErrors(error, t, API_FIELDS);
    form.setFields(found.map(({ name, errors }) => ({ name: formField(name) as keyof FilterValues, errors })));
  }

  function search(values: FilterValues) {
    form.setFields(FORM_FIELDS.map((name) => ({ name, errors: [] })));
    setApplied((a) => ({ query: toQuery(values), run: a.run + 1 }));
  }

  async function exportAs(format: ExportFormat) {
    try {
      await exporter.run(format, applied.query);
    } catch (error) {
      markField(error);
    }
  }

  const exportButtons = (
    <>
      <Button onClick={() => void exportAs("csv")} loading={exporter.busy === "csv"} data-testid="export-csv">
        {t("exportCsv")}
      </Button>
      <Button onClick={() => void exportAs("xlsx")} loading={exporter.busy === "xlsx"} data-testid="export-xlsx">
        {t("exportXlsx")}
      </Button>
    </>
  );

  return (
    <>
      <PageTitle title={t("title")} extra={exportButtons} />
      <ExportNotice created={exporter.created} onClose={exporter.clear} />
      <Form form={form} layout="vertical" onFinish={search} data-testid="log-filters">
        <Row gutter={16}>
          <Col xs={24} md={8} xl={6}>
            <Form.Item name="type" label={t("filters.type")}>
              <Select allowClear placeholder={t("filters.any")}
                options={["marketing", "transactional"].map((v) => ({ value: v, label: t(`types.${v}`) }))} />
            </Form.Item>
          </Col>
          <Col xs={24} md={8} xl={6}>
            <Form.Item name="to" label={t("filters.to")} tooltip={t("filters.toHelp")}>
              <Input allowClear placeholder="+447700900123" inputMode="tel" />
            </Form.Item>
          </Col>
          <Col xs={24} md={8} xl={6}>
            <Form.Item name="task_name" label={t("filters.taskName")}>
              <Input allowClear />
            </Form.Item>
          </Col>
          <Col xs={24} md={8} xl={6}>
            <Form.Item name="country" label={t("filters.country")}>
              <Select allowClear showSearch placeholder={t("filters.any")} options={countries} filterOption={matchOption} />
            </Form.Item>
          </Col>
          <Col xs={24} md={8} xl={6}>
            <Form.Item name="message_id" label={t("filters.messageId")}>
              <Input allowClear placeholder="msg_…" />
            </Form.Item>
          </Col>
          <Col xs={24} md={8} xl={6}>
            <Form.Item name="task_id" label={t("filters.taskId")}>
              <Input allowClear placeholder="task_…" />
            </Form.Item>
          </Col>
          <Col xs={24} md={8} xl={6}>
            <Form.Item name="status" label={t("filters.status")}>
              <Select allowClear placeholder={t("filters.any")}
                options={MESSAGE_STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) }))} />
            </Form.Item>
          </Col>
          <Col xs={24} xl={12}>
            <Form.Item name="range" label={t("filters.range")} extra={t("filters.rangeHelp")}>
              <ZonedRangePicker />
            </Form.Item>
          </Col>
        </Row>
        <Space style={{ marginBottom: 16 }}>
          <Button type="primary" htmlType="submit" data-testid="log-search">{t("common:action.search")}</Button>
          <Button onClick={() => { form.resetFields(); search({}); }} data-testid="log-reset">{t("common:action.reset")}</Button>
        </Space>
      </Form>
      <LogTable key={applied.run} query={applied.query} onError={markField} onOpen={setOpen} />
      <MessageDrawer id={open} onClose={() => setOpen(null)} />
    </>
  );
}

/** The table of one search: a new search mounts a new one (back at the first page). */
function LogTable({ query, onError, onOpen }: { query: Query; onError: (e: unknown) => void; onOpen: (id: string) => void }) {
  const { t, i18n } = useTranslation("logs");
  const zone = useZone();
  const state = useServerTable<Message>(async (cursor) => {
    try {
      return await getPage<Message>("/v1/messages", "messages", { ...query, cursor, limit: 50 });
    } catch (e) {
      onError(e); // the field it names is marked; the table says the error itself
      throw e;
    }
  }, []);

  return (
    <>
      <ServerTable<Message> state={state} rowKey="id" data-testid="log-table"
        columns={[
          { title: t("col.id"), dataIndex: "id", render: (id: string) => (
            <Button type="link" size="small" style={{ padding: 0 }} onClick={() => onOpen(id)} data-testid="open-message">
              {id}
            </Button>) },
          { title: t("col.to"), dataIndex: "to" },
          { title: t("col.countryName"), dataIndex: "country",
            render: (code: string, m) => m.country_name?.[i18n.language === "en" ? "en" : "zh"] ?? code },
          { title: t("col.from"), dataIndex: "from" },
          { title: t("col.text"), dataIndex: "text", ellipsis: true, width: 240 },
          { title: t("col.type"), dataIndex: "type", render: (v: string) => t(`types.${v}`, { defaultValue: v }) },
          { title: t("col.taskName"), dataIndex: "task_name", render: (v: string | null) => v ?? "" },
          { title: t("col.status"), dataIndex: "status", render: (s: string) => <StatusTag status={s} ns="logs" /> },
          { title: t("col.segments"), dataIndex: "segments" },
          { title: t("col.price"), dataIndex: "price" },
          { title: t("col.createdAt"), dataIndex: "created_at", render: (v: string) => formatTime(v, zone) },
          { title: t("common:table.actions"), key: "actions", fixed: "right", render: (_: unknown, m) => (
            <Button size="small" onClick={() => onOpen(m.id)}>
              {t("common:action.view")}
            </Button>) },
        ]} />
    </>
  );
}
