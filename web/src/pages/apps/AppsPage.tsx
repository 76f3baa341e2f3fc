// 应用管理: the account's applications. Creating one shows its key; the secret is revealed only
// after a confirmation (GET /v1/apps/{id}/secret, recorded in the audit log); delete (the API
// disables the app) after a confirmation.
import { Alert, Button, Form, Input, Modal, Popconfirm, Space, Typography } from "antd";
import { useCallback, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, getPage } from "../../api/client";
import { useZone } from "../../auth/me";
import { PageTitle } from "../../components/PageTitle";
import { ServerTable, useServerTable } from "../../components/ServerTable";
import { StatusTag } from "../../components/StatusTag";
import { useNotify } from "../../components/useNotify";
import { formatTime } from "../../lib/time";
import { formErrors } from "../templates/formErrors";
import "./i18n";

interface AppItem { id: string; name: string; app_key: string; status: string; created_at: string }

const MAX_NAME = 64;

export default function AppsPage() {
  const { t } = useTranslation("apps");
  const zone = useZone();
  const { fail, done } = useNotify();
  const [form] = Form.useForm<{ name: string }>();
  const [creating, setCreating] = useState(false);
  const [saving, setSaving] = useState(false);
  const [created, setCreated] = useState<AppItem | null>(null);
  const [confirming, setConfirming] = useState<AppItem | null>(null);
  const [revealing, setRevealing] = useState(false);
  const [revealed, setRevealed] = useState<{ app: AppItem; secret: string } | null>(null);
  const fetcher = useCallback((cursor?: string) => getPage<AppItem>("/v1/apps", "apps", { cursor }), []);
  const table = useServerTable<AppItem>(fetcher, []);

  async function create(values: { name: string }) {
    setSaving(true);
    try {
      const app = await api.post<AppItem>("/v1/apps", { name: values.name.trim() });
      setCreating(false);
      setCreated(app);
      table.reload();
    } catch (error) {
      const fields = formErrors(error, t, { name: t("name") });
      if (fields.length) form.setFields(fields as never);
      else fail(error);
    } finally {
      setSaving(false);
    }
  }

  async function reveal() {
    if (!confirming) return;
    setRevealing(true);
    try {
      const body = await api.get<{ app_secret: string }>(`/v1/apps/${confirming.id}/secret`);
      setRevealed({ app: confirming, secret: body.app_secret });
      setConfirming(null);
    } catch (error) {
      fail(error);
    } finally {
      setRevealing(false);
    }
  }

  async function remove(app: AppItem) {
    try {
      await api.del(`/v1/apps/${app.id}`);
      done(t("deleted"));
      table.reload();
    } catch (error) {
      fail(error);
    }
  }

  return (
    <>
      <PageTitle title={t("title")} extra={
        <Button type="primary" onClick={() => setCreating(true)} data-testid="app-create">{t("add")}</Button>} />
      <Typography.Paragraph type="secondary">{t("intro")}</Typography.Paragraph>
      <ServerTable<AppItem> state={table} rowKey="id" data-testid="apps-table"
        onRow={(row) => ({ "data-testid": `app-row-${row.id}` } as never)}
        columns={[
          { title: t("name"), dataIndex: "name" },
          { title: t("appKey"), dataIndex: "app_key", render: (v: string) => (
            <Typography.Text code copyable={{ text: v, tooltips: [t("copy"), t("copied")] }} data-testid="app-key">{v}</Typography.Text>) },
          { title: t("statusCol"), dataIndex: "status", render: (s: string) => <StatusTag status={s} ns="apps" /> },
          { title: t("createdAt"), dataIndex: "created_at", render: (v: string) => formatTime(v, zone) },
          { title: t("common:table.actions"), key: "actions", render: (_: unknown, row: AppItem) => (
            <Space>
              <Button size="small" disabled={row.status !== "active"} onClick={() => setConfirming(row)}
                data-testid="app-secret">{t("secret")}</Button>
              <Popconfirm title={t("deleteTitle", { name: row.name })} disabled={row.status !== "active"}
                description={<div style={{ maxWidth: 300 }}>{t("deleteWarning")}</div>} onConfirm={() => remove(row)}
                okText={t("common:action.confirm")} cancelText={t("common:action.cancel")}
                okButtonProps={{ danger: true, "data-testid": "app-delete-confirm" } as never}>
                <Button size="small" danger disabled={row.status !== "active"} data-testid="app-delete">
                  {t("common:action.delete")}
                </Button>
              </Popconfirm>
            </Space>
          ) },
        ]} />

      <Modal open={creating} title={t("createTitle")} destroyOnHidden onCancel={() => setCreating(false)}
        onOk={() => form.submit()} confirmLoading={saving} okText={t("common:action.confirm")}
        cancelText={t("common:action.cancel")} okButtonProps={{ "data-testid": "app-create-ok" } as never}>
        <Form form={form} layout="vertical" onFinish={create} preserve={false}>
          <Form.Item name="name" label={t("name")} extra={t("nameHelp", { max: MAX_NAME })}
            rules={[{ required: true, whitespace: true, message: t("required", { field: t("name") }) }]}>
            <Input maxLength={MAX_NAME} data-testid="app-name" />
          </Form.Item>
        </Form>
      </Modal>

      <Modal open={created !== null} title={t("createdTitle")} onCancel={() => setCreated(null)}
        footer={<Button type="primary" onClick={() => setCreated(null)} data-testid="app-created-close">{t("common:action.close")}</Button>}>
        <Typography.Paragraph>{t("createdKey")}</Typography.Paragraph>
        <Typography.Paragraph>
          {t("appKey")}:{" "}
          <Typography.Text code copyable={{ text: created?.app_key ?? "", tooltips: [t("copy"), t("copied")] }}
            data-testid="app-created-key">{created?.app_key}</Typography.Text>
        </Typography.Paragraph>
      </Modal>

      <Modal open={confirming !== null} title={t("revealTitle")} onCancel={() => setConfirming(null)} onOk={reveal}
        confirmLoading={revealing} okText={t("reveal")} cancelText={t("common:action.cancel")}
        okButtonProps={{ "data-testid": "app-reveal-confirm" } as never}>
        <Alert type="warning" showIcon message={t("revealWarning")} />
      </Modal>

      <Modal open={revealed !== null} title={t("secretTitle", { name: revealed?.app.name ?? "" })} destroyOnHidden
        onCancel={() => setRevealed(null)}
        footer={<Button type="primary" onClick={() => setRevealed(null)} data-testid="app-secret-close">{t("common:action.close")}</Button>}>
        <Alert type="warning" showIcon message={t("secretWarning")} style={{ marginBottom: 16 }} />
        <Typography.Paragraph>{t("appKey")}: <Typography.Text code>{revealed?.app.app_key}</Typography.Text></Typography.Paragraph>
        <Typography.Paragraph code copyable={{ text: revealed?.secret ?? "", tooltips: [t("copy"), t("copied")] }}
          data-testid="app-secret-value" style={{ wordBreak: "break-all" }}>{revealed?.secret}</Typography.Paragraph>
      </Modal>
    </>
  );
}
