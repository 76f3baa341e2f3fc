// Webhook URL (模板管理 › Webhook URL): the URL an operator created, which the owner edits; the
// signing secret rotated and shown once; and every delivery attempt, newest first.
import { Alert, Button, Card, Descriptions, Form, Input, Modal, Popconfirm, Select, Space, Typography } from "antd";
import { useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, api, getPage } from "../../api/client";
import { useMe, useZone } from "../../auth/me";
import { PageTitle } from "../../components/PageTitle";
import { ServerTable, useServerTable } from "../../components/ServerTable";
import { StatusTag } from "../../components/StatusTag";
import { ZoneNote } from "../../components/ZonedPickers";
import { useNotify } from "../../components/useNotify";
import { formatTime } from "../../lib/time";
import { formErrors } from "../templates/formErrors";
import "./i18n";

interface Config { url: string; secret_hint: string; created_at: string | null; updated_at: string | null }

interface Delivery {
  event_id: string;
  message_id: string;
  url: string;
  status: string;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: string | null;
  created_at: string | null;
  updated_at: string | null;
}

interface Filters { message_id?: string; status?: string }

const STATUSES = ["pending", "delivered", "retrying", "dead_lettered"];
const h2 = (text: string) => <h2 style={{ fontSize: 16, margin: 0 }}>{text}</h2>;

export default function WebhookPage() {
  const { t } = useTranslation("webhook");
  const me = useMe();
  const zone = useZone();
  const { fail, done } = useNotify();
  const owner = me.role === "owner";
  const [config, setConfig] = useState<Config | null | undefined>(undefined); // undefined: loading; null: none
  const [form] = Form.useForm<{ url: string }>();
  const [saving, setSaving] = useState(false);
  const [rotating, setRotating] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const [filterForm] = Form.useForm<Filters>();
  const [filters, setFilters] = useState<Filters>({});

  useEffect(() => {
    api.get<Config>("/v1/webhook").then(setConfig).catch((error) => {
      if (error instanceof ApiError && error.status === 404) setConfig(null);
      else { setConfig(null); fail(error); }
    });
  }, [fail]);

  const fetcher = useCallback((cursor?: string) =>
    getPage<Delivery>("/v1/webhook/deliveries", "deliveries", { ...filters, cursor }), [filters]);
  const table = useServerTable<Delivery>(fetcher, [filters]);

  async function save(values: { url: string }) {
    setSaving(true);
    try {
      setConfig(await api.put<Config>("/v1/webhook", { url: values.url.trim() }));
      done(t("saved"));
    } catch (error) {
      const fields = formErrors(error, t, { url: t("url") });
      if (fields.length) form.setFields(fields as never);
      else fail(error);
    } finally {
      setSaving(false);
    }
  }

  async function rotate() {
    setRotating(true);
    try {
      const body = await api.post<{ secret: string }>("/v1/webhook/secret");
      setSecret(body.secret);
      setConfig(await api.get<Config>("/v1/webhook"));
    } catch (error) {
      fail(error);
    } finally {
      setRotating(false);
    }
  }

  function search(values: Filters) {
    setFilters({ message_id: values.message_id?.trim() || undefined, status: values.status || undefined });
  }

  return (
    <>
      <PageTitle title={t("title")} />
      <Typography.Paragraph type="secondary">{t("intro")}</Typography.Paragraph>
      {config === null && (
        <Alert type="info" showIcon message={t("notConfigured")} description={t("notConfiguredHelp")}
          data-testid="webhook-not-configured" style={{ marginBottom: 16 }} />
      )}
      {config && (
        <Card title={h2(t("config"))} data-testid="webhook-config" extra={
          <Popconfirm title={t("rotateTitle")} description={<div style={{ maxWidth: 320 }}>{t("rotateWarning")}</div>}
            onConfirm={rotate} okText={t("common:action.confirm")} cancelText={t("common:action.cancel")}
            disabled={!owner} okButtonProps={{ "data-testid": "webhook-rotate-confirm" } as never}>
            <Button danger loading={rotating} disabled={!owner} data-testid="webhook-rotate">{t("rotate")}</Button>
          </Popconfirm>}>
          <Descriptions column={3} style={{ marginBottom: 16 }}>
            <Descriptions.Item label={t("url")}><span data-testid="webhook-current-url">{config.url}</span></Descriptions.Item>
            <Descriptions.Item label={t("secretHint")}>
              <span data-testid="webhook-secret-hint">{t("secretHintValue", { hint: config.secret_hint })}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t("updatedAt")}>{formatTime(config.updated_at, zone)}</Descriptions.Item>
          </Descriptions>
          {!owner && <Alert type="info" showIcon message={t("ownerOnly")} style={{ marginBottom: 16 }} />}
          <Form form={form} layout="vertical" onFinish={save} initialValues={{ url: config.url }}
            key={config.updated_at ?? ""} disabled={!owner} style={{ maxWidth: 640 }}>
            <Form.Item name="url" label={t("url")} extra={t("urlHelp")}
              rules={[{ required: true, whitespace: true, message: t("required", { field: t("url") }) }]}>
              <Input data-testid="webhook-url" inputMode="url" />
            </Form.Item>
            <Button type="primary" htmlType="submit" loading={saving} data-testid="webhook-save">
              {t("common:action.save")}
            </Button>
          </Form>
        </Card>
      )}
      <Card title={h2(t("deliveries"))} style={{ marginTop: 16 }}>
        <Form form={filterForm} layout="inline" onFinish={search} style={{ marginBottom: 16, rowGap: 8 }}>
          <Form.Item name="message_id" label={t("messageId")}>
            <Input allowClear style={{ width: 280 }} data-testid="delivery-message-id" />
          </Form.Item>
          <Form.Item name="status" label={t("statusCol")}>
            <Select allowClear style={{ width: 160 }} placeholder={t("allStatuses")} aria-label={t("statusCol")}
              options={STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) }))} />
          </Form.Item>
          <Space>
            <Button type="primary" htmlType="submit">{t("common:action.search")}</Button>
            <Button onClick={() => { filterForm.resetFields(); setFilters({}); }}>{t("common:action.reset")}</Button>
            <Button onClick={() => table.reload()}>{t("common:action.refresh")}</Button>
            <ZoneNote />
          </Space>
        </Form>
        <ServerTable<Delivery> state={table} rowKey="event_id" data-testid="deliveries-table"
          columns={[
            { title: t("messageId"), dataIndex: "message_id" },
            { title: t("statusCol"), dataIndex: "status", render: (s: string) => <StatusTag status={s} ns="webhook" /> },
            { title: t("attempts"), dataIndex: "attempts", align: "right" },
            { title: t("lastStatusCode"), dataIndex: "last_status_code", render: (v: number | null) => v ?? "-" },
            { title: t("lastError"), dataIndex: "last_error", render: (v: string | null) => v ?? "-" },
            { title: t("nextAttemptAt"), dataIndex: "next_attempt_at", render: (v: string | null) => (v ? formatTime(v, zone) : "-") },
            { title: t("createdAt"), dataIndex: "created_at", render: (v: string | null) => formatTime(v, zone) },
            { title: t("updatedAt"), dataIndex: "updated_at", render: (v: string | null) => formatTime(v, zone) },
            { title: t("deliveryUrl"), dataIndex: "url" },
          ]} />
      </Card>
      <Modal open={secret !== null} title={t("secretTitle")} closable={false} maskClosable={false} keyboard={false}
        destroyOnHidden
        onCancel={() => setSecret(null)}
        footer={<Button type="primary" onClick={() => setSecret(null)} data-testid="webhook-secret-close">{t("closeSecret")}</Button>}>
        <Alert type="warning" showIcon message={t("secretOnce")} style={{ marginBottom: 16 }} />
        <Typography.Paragraph code copyable={{ text: secret ?? "", tooltips: [t("copy"), t("copied")] }}
          data-testid="webhook-secret" style={{ wordBreak: "break-all" }}>{secret}</Typography.Paragraph>
      </Modal>
    </>
  );
}
