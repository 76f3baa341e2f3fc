// 报告下载: the delivery report per country and user (GET /v1/reports) over whole days of the
// account's zone — 短信类型, 时间周期, 用户账户, 国家 (multi-select) — with its totals row, and
// its export (xlsx, as the seeds say; csv too) through the download center.
import { Button, Col, DatePicker, Form, Row, Select, Space, Table, Typography } from "antd";
import type { Dayjs } from "dayjs";
import { useCallback, useEffect, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import { useMe, useZone } from "../../auth/me";
import { PageTitle } from "../../components/PageTitle";
import { ZoneNote } from "../../components/ZonedPickers";
import { useNotify } from "../../components/useNotify";
import { fieldErrors } from "../../lib/errors";
import { nowWall } from "../../lib/time";
import "./i18n";
import { ExportNotice, countryName, matchOption, useCountryOptions, useExport, type ExportFormat } from "./shared";

interface ReportRow {
  country: string | null;
  country_name: { zh: string; en: string } | null;
  user: string | null;
  user_name: string | null;
  total: number;
  delivered: number;
  failed: number;
  success_rate: string | null;
}

interface Report { start: string; end: string; rows: ReportRow[]; totals: ReportRow }

interface FilterValues {
  type?: string;
  range?: [Dayjs, Dayjs] | null;
  user?: string;
  countries?: string[];
}

type Query = Record<string, string | string[]>;
const DAY = "YYYY-MM-DD";
const FORM_FIELDS: (keyof FilterValues)[] = ["type", "range", "user", "countries"];

function toQuery(values: FilterValues): Query {
  const query: Query = {};
  if (values.type) query.type = values.type;
  if (values.range) {
    query.start = values.range[0].format(DAY);
    query.end = values.range[1].format(DAY);
  }
  if (values.user) query.user = values.user;
  if (values.countries?.length) query.countries = values.countries;
  return query;
}

export default function ReportsPage() {
  const { t } = useTranslation("logs");
  const me = useMe();
  const zone = useZone();
  const { fail } = useNotify();
  const [form] = Form.useForm<FilterValues>();
  const countries = useCountryOptions();
  const exporter = useExport("report");
  const initial = useMemo<FilterValues>(() => {
    const today = nowWall(zone).startOf("day");
    return { range: [today.subtract(6, "day"), today] };
  }, [zone]);
  const [query, setQuery] = useState<Query>(() => toQuery(initial));
  const [report, setReport] = useState<Report | null>(null);
  const [loading, setLoading] = useState(false);
  const [apps, setApps] = useState<{ id: string; name: string }[]>([]);

  const markField = useCallback((error: unknown) => {
    const found = fieldErrors(error, t, ["type", "start", "end", "user", "countries"]);
    form.setFields(found.map(({ name, errors }) => ({ name: (name === "start" || name === "end" ? "range" : name) as keyof FilterValues, errors })));
  }, [form, t]);

  useEffect(() => {
    let live = true;
    setLoading(true);
    api.get<Report>("/v1/reports", query)
      .then((body) => live && setReport(body))
      .catch((e) => { if (live) { fail(e); markField(e); } })
      .finally(() => live && setLoading(false));
    return () => { live = false; };
  }, [query, fail, markField]);

  useEffect(() => {
    api.get<{ apps: { id: string; name: string }[] }>("/v1/apps", { limit: 200 })
      .then((body) => setApps(body.apps)).catch(() => setApps([]));
  }, []);

  // Whom a row may count for: me, the account's apps, and whoever the rows name.
  const users = useMemo(() => {
    const options = new Map<string, string>();
    options.set(me.user.id, t("report.me", { name: me.user.name || me.user.email }));
    for (const app of apps) options.set(app.id, t("report.app", { name: app.name }));
    for (const row of report?.rows ?? []) {
      if (row.user && !options.has(row.user)) options.set(row.user, row.user_name ?? row.user);
    }
    return [...options].map(([value, label]) => ({ value, label }));
  }, [me, apps, report, t]);

  function search(values: FilterValues) {
    form.setFields(FORM_FIELDS.map((name) => ({ name, errors: [] })));
    setQuery(toQuery(values));
  }

  async function exportAs(format: ExportFormat) {
    try {
      await exporter.run(format, query);
    } catch (error) {
      markField(error);
    }
  }

  const english = (row: ReportRow) => row.country_name?.en ?? (row.country ? countryName(row.country, "en") : "");
  const chinese = (row: ReportRow) => row.country_name?.zh ?? (row.country ? countryName(row.country, "zh") : "");
  const name = (row: ReportRow) => row.user_name ?? row.user ?? "";

  return (
    <>
      <PageTitle title={t("report.title")} extra={<>
        <Button type="primary" onClick={() => void exportAs("xlsx")} loading={exporter.busy === "xlsx"}
          data-testid="export-report-xlsx">{t("report.exportXlsx")}</Button>
        <Button onClick={() => void exportAs("csv")} loading={exporter.busy === "csv"}
          data-testid="export-report-csv">{t("report.exportCsv")}</Button>
      </>} />
      <ExportNotice created={exporter.created} onClose={exporter.clear} />
      <Form form={form} layout="vertical" onFinish={search} initialValues={initial} data-testid="report-filters">
        <Row gutter={16}>
          <Col xs={24} md={8} xl={6}>
            <Form.Item name="type" label={t("report.type")}>
              <Select allowClear placeholder={t("filters.any")}
                options={["marketing", "transactional"].map((v) => ({ value: v, label: t(`types.${v}`) }))} />
            </Form.Item>
          </Col>
          <Col xs={24} md={16} xl={9}>
            <Form.Item label={t("report.range")} extra={t("report.rangeHelp")} required htmlFor="range">
              <Space wrap>
                <Form.Item name="range" noStyle rules={[{ required: true, message: t("report.rangeHelp") }]}>
                  <DatePicker.RangePicker allowClear={false} aria-label={t("report.range")} id="range" />
                </Form.Item>
                <ZoneNote />
              </Space>
            </Form.Item>
          </Col>
          <Col xs={24} md={8} xl={9}>
            <Form.Item name="user" label={t("report.user")} tooltip={t("report.userHelp")}>
              <Select allowClear showSearch placeholder={t("filters.any")} options={users} filterOption={matchOption} />
            </Form.Item>
          </Col>
          <Col xs={24} md={16} xl={12}>
            <Form.Item name="countries" label={t("report.countries")} extra={t("report.countriesHelp")}
              rules={[{ type: "array", max: 50, message: t("report.countriesHelp") }]}>
              <Select mode="multiple" allowClear showSearch placeholder={t("filters.any")} options={countries}
                filterOption={matchOption} maxCount={50} />
            </Form.Item>
          </Col>
        </Row>
        <Space style={{ marginBottom: 16 }}>
          <Button type="primary" htmlType="submit" data-testid="report-search">{t("common:action.search")}</Button>
          <Button onClick={() => { form.resetFields(); search(initial); }} data-testid="report-reset">{t("common:action.reset")}</Button>
        </Space>
      </Form>
      {report && (
        <Typography.Paragraph type="secondary" data-testid="report-period">
          {t("report.period", { start: report.start, end: report.end })}
        </Typography.Paragraph>
      )}
      <Table<ReportRow> size="middle" pagination={false} loading={loading} dataSource={report?.rows ?? []}
        rowKey={(row) => `${row.country}|${row.user}`} data-testid="report-table" scroll={{ x: "max-content" }}
        locale={{ emptyText: t("common:table.empty") }}
        columns={[
          { title: t("report.countryEn"), key: "en", render: (_: unknown, row) => english(row) },
          { title: t("report.countryZh"), key: "zh", render: (_: unknown, row) => chinese(row) },
          { title: t("report.userName"), key: "user", render: (_: unknown, row) => name(row) },
          { title: t("report.rate"), dataIndex: "success_rate", render: (v: string | null) => v ?? "-" },
          { title: t("report.total"), dataIndex: "total", align: "right" },
          { title: t("report.delivered"), dataIndex: "delivered", align: "right" },
          { title: t("report.failed"), dataIndex: "failed", align: "right" },
        ]}
        summary={() => report && (
          <Table.Summary fixed>
            <Table.Summary.Row data-testid="report-totals">
              <Table.Summary.Cell index={0} colSpan={3}><strong>{t("report.totals")}</strong></Table.Summary.Cell>
              <Table.Summary.Cell index={3}>{report.totals.success_rate ?? "-"}</Table.Summary.Cell>
              <Table.Summary.Cell index={4} align="right"><span data-testid="total-total">{report.totals.total}</span></Table.Summary.Cell>
              <Table.Summary.Cell index={5} align="right"><span data-testid="total-delivered">{report.totals.delivered}</span></Table.Summary.Cell>
              <Table.Summary.Cell index={6} align="right"><span data-testid="total-failed">{report.totals.failed}</span></Table.Summary.Cell>
            </Table.Summary.Row>
          </Table.Summary>
        )} />
    </>
  );
}
