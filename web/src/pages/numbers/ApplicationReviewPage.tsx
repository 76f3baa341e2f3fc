// 号码申请审核 (operators): customers' applications waiting for the service team
// (GET /v1/ops/number-applications), oldest first; approving buys the number for the account and charges its first month,
// rejecting needs a reason the customer then reads on their 号码申请 page.
import { Button, Card, Form, Input, Modal, Popconfirm, Space, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, api, getPage } from "../../api/client";
import { useZone } from "../../auth/me";
import { PageTitle } from "../../components/PageTitle";
import { ServerTable, useServerTable } from "../../components/ServerTable";
import { StatusTag } from "../../components/StatusTag";
import { ZoneNote } from "../../components/ZonedPickers";
import { useNotify } from "../../components/useNotify";
import { errorText } from "../../lib/errors";
import { formatTime } from "../../lib/time";
import { priceText } from "./logic";
import { type Application, useNumberColumns } from "./shared";

export default function ApplicationReviewPage() {
  const { t } = useTranslation("numbers");
  const zone = useZone();
  const { fail, done } = useNotify();
  const columns = useNumberColumns<Application>();
  const [rejecting, setRejecting] = useState<Application | null>(null);
  const [form] = Form.useForm<{ reason: string }>();
  const table = useServerTable<Application>((cursor) =>
    getPage<Application>("/v1/ops/number-applications", "applications", { cursor, limit: 50 }), []);

  async function approve(row: Application) {
    try {
      await api.post(`/v1/ops/number-applications/${encodeURIComponent(row.id)}/approve`);
      done(t("review.approved", { msisdn: row.msisdn }));
    } catch (error) {
      fail(error);
    }
    void table.reload();
  }

  async function reject(values: { reason: string }) {
    if (!rejecting) return;
    try {
      await api.post(`/v1/ops/number-applications/${encodeURIComponent(rejecting.id)}/reject`, { reason: values.reason.trim() });
      done(t("review.rejected", { msisdn: rejecting.msisdn }));
      setRejecting(null);
      form.resetFields();
      void table.reload();
    } catch (error) {
      if (error instanceof ApiError && error.field === "reason") form.setFields([{ name: "reason", errors: [errorText(error, t)] }]);
      else fail(error);
    }
  }

  return (
    <>
      <PageTitle title={t("title.review")} extra={
        <Button onClick={() => void table.reload()} data-testid="review-refresh">{t("common:action.refresh")}</Button>} />
      <Typography.Paragraph type="secondary">{t("review.intro")}</Typography.Paragraph>
      <Card>
        <Space style={{ marginBottom: 12 }}><ZoneNote /></Space>
        <ServerTable<Application> state={table} rowKey="id" data-testid="number-review-table"
          onRow={(row) => ({ "data-msisdn": row.msisdn, "data-status": row.status } as never)}
          columns={[
            { title: t("col.createdAt"), dataIndex: "created_at", render: (v: string) => formatTime(v, zone) },
            { title: t("col.account"), dataIndex: "account_id" },
            ...columns,
            { title: t("col.status"), dataIndex: "status", render: (s: string) => <StatusTag status={s} ns="numbers" /> },
            { title: t("common:table.actions"), key: "actions", fixed: "right", render: (_: unknown, row) => (
                <Space>
                  <Popconfirm title={t("review.approve")} onConfirm={() => approve(row)}
                    description={t("review.approveConfirm", { account: row.account_id ?? "",
                      msisdn: row.msisdn, price: priceText(row.monthly_price, row.currency) })}
                    okText={t("review.approve")} cancelText={t("common:action.cancel")}
                    okButtonProps={{ "data-testid": "approve-confirm" } as never}>
                    <Button type="primary" size="small" data-testid={`approve-${row.msisdn}`}>{t("review.approve")}</Button>
                  </Popconfirm>
                  <Button danger size="small" onClick={() => setRejecting(row)} data-testid={`reject-${row.msisdn}`}>
                    {t("review.reject")}</Button>
                </Space>) },
          ]} />
      </Card>
      <Modal open={!!rejecting} title={t("review.rejectTitle", { msisdn: rejecting?.msisdn ?? "" })} destroyOnHidden
        onCancel={() => setRejecting(null)} onOk={() => form.submit()} okText={t("review.reject")}
        cancelText={t("common:action.cancel")} okButtonProps={{ danger: true, ...{ "data-testid": "reject-submit" } }}>
        <Form form={form} layout="vertical" onFinish={reject}>
          <Form.Item name="reason" label={t("review.reason")} extra={t("review.reasonHelp")}
            rules={[{ required: true, whitespace: true, message: t("required", { field: t("review.reason") }) }]}>
            <Input.TextArea rows={3} maxLength={500} showCount data-testid="reject-reason" />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
