// 您的号码: the account's numbers (GET /v1/numbers) by country and status, with their monthly
// price, purchase and next renewal in the account's zone; 退订 releases one after a
// confirmation that names it and says its renewals stop.
import { Button, Col, Form, Popconfirm, Row, Select, Space, Typography } from "antd";
import { useCallback, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router-dom";
import { ApiError, api, getPage } from "../../api/client";
import { useZone } from "../../auth/me";
import { FieldSelect } from "../../components/FieldSelect";
import { PageTitle } from "../../components/PageTitle";
import { ServerTable, useServerTable } from "../../components/ServerTable";
import { StatusTag } from "../../components/StatusTag";
import { ZoneNote } from "../../components/ZonedPickers";
import { useNotify } from "../../components/useNotify";
import { formatTime } from "../../lib/time";
import { NUMBER_STATUSES, numberPath } from "./logic";
import { type NumberRow, useNumberColumns, useNumberText } from "./shared";

interface Filters { country?: string; status?: string }

export default function MyNumbersPage() {
  const { t } = useTranslation("numbers");
  const zone = useZone();
  const navigate = useNavigate();
  const { fail, done } = useNotify();
  const text = useNumberText();
  const columns = useNumberColumns<NumberRow>();
  const [form] = Form.useForm<Filters>();
  const [filters, setFilters] = useState<Filters>({});

  const fetcher = useCallback((cursor?: string) =>
    getPage<NumberRow>("/v1/numbers", "numbers", { ...filters, cursor, limit: 50 }), [filters]);
  const table = useServerTable<NumberRow>(fetcher, [filters]);

  async function release(row: NumberRow) {
    try {
      await api.del(`/v1/numbers/${numberPath(row.msisdn)}`);
      done(t("release.done", { msisdn: row.msisdn }));
    } catch (error) {
      fail(error);
      if (!(error instanceof ApiError && error.status === 404)) return;
    }
    void table.reload();
  }

  const renewal = (row: NumberRow) => (row.release_at
    ? <Typography.Text type="danger">{t("mine.releaseAt", { time: formatTime(row.release_at, zone) })}</Typography.Text>
    : formatTime(row.next_renewal_at, zone));

  return (
    <>
      <PageTitle title={t("title.mine")} extra={
        <Button type="primary" onClick={() => navigate("/numbers/buy")} data-testid="numbers-buy">{t("mine.buy")}</Button>} />
      <Typography.Paragraph type="secondary">{t("mine.intro")}</Typography.Paragraph>
      <Form form={form} layout="vertical" onFinish={(v) => setFilters({ country: v.country, status: v.status })}
        data-testid="numbers-filters">
        <Row gutter={16}>
          <Col xs={24} md={8} xl={6}>
            <Form.Item name="country" label={t("col.country")}>
              <FieldSelect allowClear showSearch optionFilterProp="label" placeholder={t("filters.any")}
                options={text.countries} data-testid="numbers-country" />
            </Form.Item>
          </Col>
          <Col xs={24} md={8} xl={6}>
            <Form.Item name="status" label={t("col.status")}>
              <Select allowClear placeholder={t("filters.any")} data-testid="numbers-status"
                options={NUMBER_STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) }))} />
            </Form.Item>
          </Col>
        </Row>
        <Space style={{ marginBottom: 16 }}>
          <Button type="primary" htmlType="submit" data-testid="numbers-search">{t("common:action.search")}</Button>
          <Button onClick={() => { form.resetFields(); setFilters({}); }}>{t("common:action.reset")}</Button>
          <ZoneNote />
        </Space>
      </Form>
      <ServerTable<NumberRow> state={table} rowKey="msisdn" data-testid="numbers-table"
        onRow={(row) => ({ "data-msisdn": row.msisdn, "data-status": row.status } as never)}
        columns={[
          ...columns,
          { title: t("col.status"), dataIndex: "status", render: (s: string) => <StatusTag status={s} ns="numbers" /> },
          { title: t("col.boughtAt"), dataIndex: "bought_at", render: (v: string) => formatTime(v, zone) },
          { title: t("col.nextRenewal"), key: "renewal", render: (_: unknown, row) => renewal(row) },
          { title: t("common:table.actions"), key: "actions", fixed: "right", render: (_: unknown, row) => (
            <Popconfirm title={t("release.title", { msisdn: row.msisdn })} description={t("release.confirm")} onConfirm={() => release(row)}
              okText={t("release.button")} cancelText={t("common:action.cancel")}
              okButtonProps={{ danger: true, ...{ "data-testid": "release-confirm" } }}>
              <Button size="small" danger data-testid={`release-${row.msisdn}`}>{t("release.button")}</Button>
            </Popconfirm>) },
        ]} />
    </>
  );
}
