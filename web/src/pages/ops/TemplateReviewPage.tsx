// 模板审核: domestic templates waiting for review, oldest first; approve one, or reject it with
// a reason the customer then sees on its template.
import { Button, Card, Form, Input, Modal, Space, Typography } from "antd";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, api } from "../../api/client";
import { useZone } from "../../auth/me";
import { PageTitle } from "../../components/PageTitle";
import { ServerTable, useServerTable } from "../../components/ServerTable";
import { useNotify } from "../../components/useNotify";
import { errorText } from "../../lib/errors";
import { formatTime } from "../../lib/time";
import "./i18n";
import type { PendingTemplate } from "./types";
import { onePage } from "./types";

export default function TemplateReviewPage() {
  const { t } = useTranslation("ops");
  const zone = useZone();
  const { fail, done } = useNotify();
  const [account, setAccount] = useState("");
  const [rejecting, setRejecting] = useState<PendingTemplate | null>(null);
  const [form] = Form.useForm<{ reason: string }>();
  const [all, setAll] = useState<PendingTemplate[]>([]);
  const table = useServerTable<PendingTemplate>(async () => {
    const items = (await api.get<{ templates: PendingTemplate[] }>("/v1/ops/templates")).templates;
    setAll(items);
    return onePage(items);
  }, []);
  const shown = useMemo(() => {
    const wanted = account.trim();
    return wanted ? all.filter((row) => row.account_id.includes(wanted)) : all;
  }, [all, account]);

  async function approve(row: PendingTemplate) {
    try {
      await api.post(`/v1/ops/templates/${row.id}/approve`);
      done(t("review.approved"));
      void table.reload();
    } catch (error) {
      fail(error);
    }
  }

  async function reject(values: { reason: string }) {
    if (!rejecting) return;
    try {
      await api.post(`/v1/ops/templates/${rejecting.id}/reject`, { reason: values.reason.trim() });
      done(t("review.rejected"));
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
      <PageTitle title={t("review.title")} extra={<Button onClick={() => void table.reload()}>{t("common:action.refresh")}</Button>} />
      <Card>
        <Space style={{ marginBottom: 16 }}>
          <label htmlFor="review-account">{t("review.filter")}</label>
          <Input id="review-account" allowClear value={account} onChange={(e) => setAccount(e.target.value)}
            style={{ width: 280 }} data-testid="review-account" autoComplete="off" />
        </Space>
        <ServerTable<PendingTemplate> state={{ ...table, items: shown }} rowKey="id" data-testid="review-table" columns={[
          { title: t("review.createdAt"), dataIndex: "created_at", render: (v: string) => formatTime(v, zone) },
          { title: t("review.account"), dataIndex: "account_id" },
          { title: t("review.name"), dataIndex: "name" },
          { title: t("review.content"), dataIndex: "content",
            render: (c: string) => <Typography.Paragraph style={{ maxWidth: 480, margin: 0, whiteSpace: "pre-wrap" }}>{c}</Typography.Paragraph> },
          { title: t("common:table.actions"), key: "actions", render: (_: unknown, row) => (
            <Space>
              <Button type="primary" size="small" onClick={() => approve(row)} data-testid={`approve-${row.id}`}>
                {t("review.approve")}</Button>
              <Button danger size="small" onClick={() => setRejecting(row)} data-testid={`reject-${row.id}`}>
                {t("review.reject")}</Button>
            </Space>) },
        ]} />
      </Card>
      <Modal open={!!rejecting} title={t("review.rejectTitle", { name: rejecting?.name ?? "" })} destroyOnHidden
        onCancel={() => setRejecting(null)} onOk={() => form.submit()} okText={t("review.reject")}
        cancelText={t("common:action.cancel")} okButtonProps={{ danger: true, ...{ "data-testid": "reject-submit" } }}>
        <Form form={form} layout="vertical" onFinish={reject}>
          <Form.Item name="reason" label={t("review.reason")} extra={t("review.reasonHelp")}
            rules={[{ required: true, whitespace: true, message: t("required", { field: t("review.reason") }) }]}>
            <Input.TextArea rows={3} maxLength={500} showCount />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
