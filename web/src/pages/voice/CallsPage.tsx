// Voice 通话记录: the calls on the account's numbers (GET /v1/voice/calls) newest first, by
// number, direction, status and time range, paged by the API's cursor; one call's details in
// a drawer; the current filters exported (type voice_calls) to the download center.
import { Button, Col, Form, Input, Row, Select, Space, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { getPage } from "../../api/client";
import { useZone } from "../../auth/me";
import { PageTitle } from "../../components/PageTitle";
import { ServerTable, useServerTable } from "../../components/ServerTable";
import { StatusTag } from "../../components/StatusTag";
import { ZonedRangePicker } from "../../components/ZonedPickers";
import { fieldErrors } from "../../lib/errors";
import { formatTime } from "../../lib/time";
import "../logs/i18n"; // ExportNotice speaks in the log pages' words
import { ExportNotice, useExport, type ExportFormat } from "../logs/shared";
import { priceText } from "../numbers/logic";
import { CallDrawer, type Call } from "./CallDrawer";
import "./i18n";
import { CALL_STATUSES, DIRECTIONS, callsQuery, durationText, type CallFilters } from "./logic";

type Query = Record<string, string>;
const FORM_FIELDS: (keyof CallFilters)[] = ["number", "direction", "status", "range"];

/** An API field (`filters.start`, `number`) as the form's field. */
function formField(field: string): keyof CallFilters {
  const name = field.replace(/^filters\./, "");
  return (name === "start" || name === "end" ? "range" : name) as keyof CallFilters;
}

export default function CallsPage() {
  const { t } = useTranslation("voice");
  const [form] = Form.useForm<CallFilters>();
  const [applied, setApplied] = useState<{ query: Query; run: number }>({ query: {}, run: 0 });
  const [open, setOpen] = useState<string | null>(null);
  const exporter = useExport("voice_calls");

  function markField(error: unknown) {
    const found = fieldErrors(error, t, ["number", "direction", "status", "start", "end"]);
    form.setFields(found.map(({ name, errors }) => ({ name: formField(name), errors })));
  }

  function search(values: CallFilters) {
    form.setFields(FORM_FIELDS.map((name) => ({ name, errors: [] })));
    setApplied((a) => ({ query: callsQuery(values), run: a.run + 1 }));
  }

  async function exportAs(format: ExportFormat) {
    try {
      await exporter.run(format, applied.query);
    } catch (error) {
      markField(error);
    }
  }

  return (
    <>
      <PageTitle title={t("title")} extra={<>
        <Button onClick={() => void exportAs("csv")} loading={exporter.busy === "csv"} data-testid="export-csv">
          {t("exportCsv")}</Button>
        <Button onClick={() => void exportAs("xlsx")} loading={exporter.busy === "xlsx"} data-testid="export-xlsx">
          {t("exportXlsx")}</Button>
      </>} />
      <Typography.Paragraph type="secondary">{t("intro")}</Typography.Paragraph>
      <ExportNotice created={exporter.created} onClose={exporter.clear} />
      <Form form={form} layout="vertical" onFinish={search} data-testid="call-filters">
        <Row gutter={16}>
          <Col xs={24} md={8} xl={6}>
            <Form.Item name="number" label={t("filters.number")} tooltip={t("filters.numberHelp")}>
              <Input allowClear placeholder="+447700900001" inputMode="tel" data-testid="call-number" />
            </Form.Item>
          </Col>
          <Col xs={24} md={8} xl={6}>
            <Form.Item name="direction" label={t("filters.direction")}>
              <Select allowClear placeholder={t("filters.any")} data-testid="call-direction"
                options={DIRECTIONS.map((d) => ({ value: d, label: t(`directions.${d}`) }))} />
            </Form.Item>
          </Col>
          <Col xs={24} md={8} xl={6}>
            <Form.Item name="status" label={t("filters.status")}>
              <Select allowClear placeholder={t("filters.any")} data-testid="call-status"
                options={CALL_STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) }))} />
            </Form.Item>
          </Col>
          <Col xs={24} xl={12}>
            <Form.Item name="range" label={t("filters.range")} extra={t("filters.rangeHelp")}>
              <ZonedRangePicker />
            </Form.Item>
          </Col>
        </Row>
        <Space style={{ marginBottom: 16 }}>
          <Button type="primary" htmlType="submit" data-testid="call-search">{t("common:action.search")}</Button>
          <Button onClick={() => { form.resetFields(); search({}); }} data-testid="call-reset">{t("common:action.reset")}</Button>
        </Space>
      </Form>
      <CallTable key={applied.run} query={applied.query} onError={markField} onOpen={setOpen} />
      <CallDrawer id={open} onClose={() => setOpen(null)} />
    </>
  );
}

/** The table of one search: a new search mounts a new one (back at the first page). */
function CallTable({ query, onError, onOpen }: { query: Query; onError: (e: unknown) => void; onOpen: (id: string) => void }) {
  const { t } = useTranslation("voice");
  const zone = useZone();
  const state = useServerTable<Call>(async (cursor) => {
    try {
      return await getPage<Call>("/v1/voice/calls", "calls", { ...query, cursor, limit: 50 });
    } catch (e) {
      onError(e); // the field it names is marked; the table says the error itself
      throw e;
    }
  }, []);

  return (
    <ServerTable<Call> state={state} rowKey="id" data-testid="calls-table"
      onRow={(row) => ({ "data-call": row.id, "data-status": row.status } as never)}
      columns={[
        { title: t("col.number"), dataIndex: "number" },
        { title: t("col.direction"), dataIndex: "direction", render: (d: string) => t(`directions.${d}`, { defaultValue: d }) },
        { title: t("col.status"), dataIndex: "status", render: (s: string) => <StatusTag status={s} ns="voice" /> },
        { title: t("col.from"), dataIndex: "from" },
        { title: t("col.to"), dataIndex: "to" },
        { title: t("col.start"), dataIndex: "start_time", render: (v: string | null) => formatTime(v, zone) },
        { title: t("col.end"), dataIndex: "end_time", render: (v: string | null) => formatTime(v, zone) },
        { title: t("col.duration"), dataIndex: "duration", align: "right",
          render: (v: number | null) => <span data-testid="duration">{durationText(v)}</span> },
        { title: t("col.price"), dataIndex: "price", align: "right",
          render: (v: string | null, row) => <span data-testid="price">{priceText(v, row.currency)}</span> },
        { title: t("common:table.actions"), key: "actions", fixed: "right", render: (_: unknown, row) => (
          <Button size="small" onClick={() => onOpen(row.id)} data-testid="open-call">{t("common:action.view")}</Button>) },
      ]} />
  );
}
