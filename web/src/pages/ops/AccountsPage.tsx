// 账户管理: every customer account (newest first, paged by the API's cursor), and a new account
// with its owner, who receives an initial password by email.
import { Button, Form, Input, Modal, Typography } from "antd";
import type { ButtonProps } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { ApiError, api, getPage } from "../../api/client";
import { useZone } from "../../auth/me";
import { PageTitle } from "../../components/PageTitle";
import { ServerTable, useServerTable } from "../../components/ServerTable";
import { StatusTag } from "../../components/StatusTag";
import { useNotify } from "../../components/useNotify";
import { errorText } from "../../lib/errors";
import { formatTime } from "../../lib/time";
import { CURRENCIES, zoneOptions } from "./accountOptions";
import { FieldSelect } from "../../components/FieldSelect";
import "./i18n";
import type { AccountRow } from "./types";

interface NewAccount {
  name: string;
  currency: string;
  timezone: string;
  owner_email: string;
  owner_phone?: string;
  owner_name: string;
}

const FIELDS: Record<string, string> = {
  name: "name", currency: "currency", timezone: "timezone", "owner.email": "owner_email",
  "owner.phone": "owner_phone", "owner.name": "owner_name",
};

export default function AccountsPage() {
  const { t } = useTranslation("ops");
  const zone = useZone();
  const { fail, done } = useNotify();
  const [open, setOpen] = useState(false);
  const [saving, setSaving] = useState(false);
  const [form] = Form.useForm<NewAccount>();
  const table = useServerTable<AccountRow>((cursor) => getPage("/v1/ops/accounts", "accounts", { cursor, limit: 20 }), []);

  async function create(values: NewAccount) {
    setSaving(true);
    try {
      await api.post("/v1/ops/accounts", {
        name: values.name, currency: values.currency, timezone: values.timezone,
        owner: { email: values.owner_email, name: values.owner_name, phone: values.owner_phone || undefined },
      });
      done(t("accounts.created", { email: values.owner_email }));
      setOpen(false);
      form.resetFields();
      void table.reload();
    } catch (error) {
      const name = error instanceof ApiError && error.field ? FIELDS[error.field] : undefined;
      if (name) form.setFields([{ name: name as keyof NewAccount, errors: [errorText(error, t)] }]);
      else fail(error);
    } finally {
      setSaving(false);
    }
  }

  return (
    <>
      <PageTitle title={t("accounts.title")} extra={
        <Button type="primary" onClick={() => setOpen(true)} data-testid="create-account">{t("accounts.create")}</Button>} />
      <ServerTable<AccountRow> state={table} rowKey="id" data-testid="accounts-table" columns={[
        { title: t("accounts.name"), dataIndex: "name",
          render: (name: string, row) => <Link to={`/ops/accounts/${row.id}`} data-testid={`account-${row.id}`}>{name}</Link> },
        { title: t("accounts.id"), dataIndex: "id", render: (id: string) => <Typography.Text copyable>{id}</Typography.Text> },
        { title: t("accounts.status"), dataIndex: "status", render: (s: string) => <StatusTag status={s} /> },
        { title: t("accounts.balance"), dataIndex: "balance", align: "right",
          render: (b: string, row) => `${b ?? ""} ${row.currency}` },
        { title: t("accounts.timezone"), dataIndex: "timezone" },
        { title: t("accounts.createdAt"), dataIndex: "created_at", render: (v: string) => formatTime(v, zone) },
        { title: t("common:table.actions"), key: "actions",
          render: (_: unknown, row) => <Link to={`/ops/accounts/${row.id}`}>{t("accounts.open")}</Link> },
      ]} />
      <Modal open={open} title={t("accounts.create")} onCancel={() => setOpen(false)} okText={t("common:action.submit")}
        cancelText={t("common:action.cancel")} confirmLoading={saving} onOk={() => form.submit()} destroyOnHidden
        okButtonProps={{ "data-testid": "create-account-submit" } as ButtonProps}>
        <Form form={form} layout="vertical" onFinish={create} initialValues={{ currency: "CNY", timezone: "Asia/Shanghai" }}
          data-testid="create-account-form">
          <Form.Item name="name" label={t("accounts.name")}
            rules={[{ required: true, whitespace: true, max: 100, message: t("required", { field: t("accounts.name") }) }]}>
            <Input maxLength={100} />
          </Form.Item>
          <Form.Item name="currency" label={t("accounts.currency")} rules={[{ required: true }]}>
            <FieldSelect options={CURRENCIES.map((c) => ({ value: c, label: c }))} />
          </Form.Item>
          <Form.Item name="timezone" label={t("accounts.timezone")} rules={[{ required: true }]}>
            <FieldSelect showSearch options={zoneOptions()} />
          </Form.Item>
          <Typography.Paragraph type="secondary">{t("accounts.ownerHelp")}</Typography.Paragraph>
          <Form.Item name="owner_email" label={t("accounts.ownerEmail")}
            rules={[{ required: true, type: "email", message: t("required", { field: t("accounts.ownerEmail") }) }]}>
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item name="owner_name" label={t("accounts.ownerName")}
            rules={[{ required: true, whitespace: true, message: t("required", { field: t("accounts.ownerName") }) }]}>
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item name="owner_phone" label={t("accounts.ownerPhone")} extra={t("accounts.phoneHelp")}>
            <Input autoComplete="off" />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
