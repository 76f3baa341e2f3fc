// One customer account, as the service team works on it: its profile and status (suspend /
// reactivate), users, top-ups with the ledger, From numbers and Sender IDs, 短信签名 and the
// webhook URL. Every tab calls the operators' API for this account.
import { Button, Card, Descriptions, Form, Input, Modal, Popconfirm, Space, Tabs, Typography } from "antd";
import type { ButtonProps, FormInstance } from "antd";
import { useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";
import { ApiError, api, getPage } from "../../api/client";
import { useZone } from "../../auth/me";
import { PageTitle } from "../../components/PageTitle";
import { ServerTable, useServerTable } from "../../components/ServerTable";
import { StatusTag } from "../../components/StatusTag";
import { ZoneNote } from "../../components/ZonedPickers";
import { useNotify } from "../../components/useNotify";
import { currentLang } from "../../i18n";
import { errorText } from "../../lib/errors";
import { formatTime } from "../../lib/time";
import NotFoundPage from "../NotFoundPage";
import { countryLabel, countryOptions } from "../../lib/countries";
import { FieldSelect } from "../../components/FieldSelect";
import "./i18n";
import type { AccountDetail, LedgerRow, SenderRow, SignatureRow, UserRow } from "./types";
import { onePage } from "./types";

/** Puts an API field error next to its form field (``names`` maps API fields to form names). */
function useFieldFail<T>(form: FormInstance<T>, names: Record<string, string>) {
  const { t } = useTranslation("ops");
  const { fail } = useNotify();
  return useCallback((error: unknown) => {
    const name = error instanceof ApiError && error.field ? names[error.field] ?? names[error.field.split("[")[0]] : undefined;
    if (name) form.setFields([{ name: name as never, errors: [errorText(error, t)] }]);
    else fail(error);
  }, [fail, form, names, t]);
}

const h2 = (text: string) => <h2 style={{ fontSize: 16, margin: 0 }}>{text}</h2>;

export default function AccountDetailPage() {
  const { id = "" } = useParams();
  const { t } = useTranslation("ops");
  const { fail } = useNotify();
  const [account, setAccount] = useState<AccountDetail | null>(null);
  const [missing, setMissing] = useState(false);

  const load = useCallback(async () => {
    try {
      setAccount(await api.get<AccountDetail>(`/v1/ops/accounts/${encodeURIComponent(id)}`));
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) setMissing(true);
      else fail(error);
    }
  }, [id, fail]);
  useEffect(() => { void load(); }, [load]);

  if (missing) return <NotFoundPage />;
  if (!account) return <PageTitle title={t("detail.title", { name: "…" })} />;
  return (
    <>
      <PageTitle title={t("detail.title", { name: account.name })}
        extra={<Link to="/ops/accounts">{t("detail.back")}</Link>} />
      <Tabs data-testid="account-tabs" items={[
        { key: "info", label: t("detail.info"), children: <InfoTab account={account} reload={load} /> },
        { key: "users", label: t("detail.users"), children: <UsersTab account={account} reload={load} /> },
        { key: "topup", label: t("detail.topup"), children: <TopUpTab account={account} reload={load} /> },
        { key: "senders", label: t("detail.senders"), children: <SendersTab accountId={account.id} /> },
        { key: "signatures", label: t("detail.signatures"), children: <SignaturesTab accountId={account.id} /> },
        { key: "webhook", label: t("detail.webhook"), children: <WebhookTab accountId={account.id} /> },
      ]} />
    </>
  );
}

function InfoTab({ account, reload }: { account: AccountDetail; reload: () => Promise<void> }) {
  const { t } = useTranslation("ops");
  const zone = useZone();
  const { fail, done } = useNotify();
  const suspended = account.status === "suspended";

  async function setStatus(status: "active" | "suspended") {
    try {
      await api.patch(`/v1/ops/accounts/${account.id}`, { status });
      done(t(status === "suspended" ? "detail.suspended" : "detail.reactivated"));
      await reload();
    } catch (error) {
      fail(error);
    }
  }

  return (
    <Card title={h2(t("detail.info"))} extra={suspended
      ? <Popconfirm title={t("detail.reactivateConfirm")} onConfirm={() => setStatus("active")}
          okText={t("common:action.confirm")} cancelText={t("common:action.cancel")}>
          <Button type="primary" data-testid="reactivate-account">{t("detail.reactivate")}</Button>
        </Popconfirm>
      : <Popconfirm title={t("detail.suspendConfirm")} onConfirm={() => setStatus("suspended")}
          okText={t("common:action.confirm")} cancelText={t("common:action.cancel")}>
          <Button danger data-testid="suspend-account">{t("detail.suspend")}</Button>
        </Popconfirm>}>
      <Descriptions column={2}>
        <Descriptions.Item label={t("accounts.name")}>{account.name}</Descriptions.Item>
        <Descriptions.Item label={t("accounts.id")}>{account.id}</Descriptions.Item>
        <Descriptions.Item label={t("accounts.status")}>
          <span data-testid="account-status" data-status={account.status}><StatusTag status={account.status} /></span>
        </Descriptions.Item>
        <Descriptions.Item label={t("accounts.balance")}>
          <span data-testid="account-balance">{account.balance}</span> {account.currency}
        </Descriptions.Item>
        <Descriptions.Item label={t("accounts.currency")}>{account.currency}</Descriptions.Item>
        <Descriptions.Item label={t("accounts.timezone")}>{account.timezone}</Descriptions.Item>
        <Descriptions.Item label={t("accounts.createdAt")}>{formatTime(account.created_at, zone)}</Descriptions.Item>
        <Descriptions.Item label={t("detail.markup")}>
          <span data-testid="account-markup">{account.number_markup ?? t("detail.markupDefault")}</span>
        </Descriptions.Item>
      </Descriptions>
      <MarkupForm account={account} reload={reload} />
    </Card>
  );
}

/** The account's number markup: saved as typed, or cleared back to the platform's default. */
function MarkupForm({ account, reload }: { account: AccountDetail; reload: () => Promise<void> }) {
  const { t } = useTranslation("ops");
  const { done } = useNotify();
  const [form] = Form.useForm<{ number_markup: string }>();
  const onFail = useFieldFail(form, MARKUP_FIELDS);

  async function save(markup: string | null) {
    try {
      await api.patch(`/v1/ops/accounts/${account.id}`, { number_markup: markup });
      done(t(markup === null ? "detail.markupCleared" : "detail.markupSaved"));
      if (markup === null) form.resetFields();
      await reload();
    } catch (error) {
      onFail(error);
    }
  }

  return (
    <Form form={form} layout="inline" onFinish={(values) => save(values.number_markup.trim())}
      initialValues={{ number_markup: account.number_markup ?? "" }} style={{ marginTop: 16 }}>
      <Form.Item name="number_markup" label={t("detail.markup")} extra={t("detail.markupHelp")}
        rules={[{ required: true, message: t("detail.markupHelp") }]}>
        <Input id="number_markup" placeholder="1.30" style={{ width: 120 }} />
      </Form.Item>
      <Space>
        <Button type="primary" htmlType="submit" data-testid="markup-save">{t("common:action.save")}</Button>
        <Button data-testid="markup-reset" disabled={account.number_markup === null}
          onClick={() => save(null)}>{t("detail.markupReset")}</Button>
      </Space>
    </Form>
  );
}

const MARKUP_FIELDS = { number_markup: "number_markup" };

interface NewUser { email: string; name: string; phone?: string; role: string }
const USER_FIELDS = { email: "email", name: "name", phone: "phone", role: "role" };

function UsersTab({ account, reload }: { account: AccountDetail; reload: () => Promise<void> }) {
  const { t } = useTranslation("ops");
  const zone = useZone();
  const { done } = useNotify();
  const [form] = Form.useForm<NewUser>();
  const [open, setOpen] = useState(false);
  const onFail = useFieldFail(form, USER_FIELDS);
  const users = useServerTable<UserRow>(async () => onePage(
    (await api.get<AccountDetail>(`/v1/ops/accounts/${account.id}`)).users), [account.id]);

  async function add(values: NewUser) {
    try {
      await api.post(`/v1/ops/accounts/${account.id}/users`, { ...values, phone: values.phone || undefined });
      done(t("users.added", { email: values.email }));
      setOpen(false);
      form.resetFields();
      await Promise.all([users.reload(), reload()]);
    } catch (error) {
      onFail(error);
    }
  }

  return (
    <Card title={h2(t("detail.users"))}
      extra={<Button type="primary" onClick={() => setOpen(true)} data-testid="add-user">{t("users.add")}</Button>}>
      <ServerTable<UserRow> state={users} rowKey="id" data-testid="users-table" columns={[
        { title: t("users.name"), dataIndex: "name" },
        { title: t("users.email"), dataIndex: "email" },
        { title: t("users.phone"), dataIndex: "phone", render: (p?: string | null) => p || "-" },
        { title: t("users.role"), dataIndex: "role", render: (r: string) => t(`users.roles.${r}`, { defaultValue: r }) },
        { title: t("users.status"), dataIndex: "status", render: (s: string) => <StatusTag status={s} /> },
        { title: t("users.createdAt"), dataIndex: "created_at", render: (v: string) => formatTime(v, zone) },
      ]} />
      <Modal open={open} title={t("users.add")} onCancel={() => setOpen(false)} onOk={() => form.submit()}
        okText={t("common:action.submit")} cancelText={t("common:action.cancel")} destroyOnHidden
        okButtonProps={{ "data-testid": "add-user-submit" } as ButtonProps}>
        <Form form={form} layout="vertical" onFinish={add} initialValues={{ role: "member" }}>
          <Form.Item name="email" label={t("users.email")} extra={t("accounts.ownerHelp")}
            rules={[{ required: true, type: "email", message: t("required", { field: t("users.email") }) }]}>
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item name="name" label={t("users.name")}
            rules={[{ required: true, whitespace: true, message: t("required", { field: t("users.name") }) }]}>
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item name="phone" label={t("users.phone")} extra={t("accounts.phoneHelp")}>
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item name="role" label={t("users.role")}>
            <FieldSelect options={["member", "owner"].map((r) => ({ value: r, label: t(`users.roles.${r}`) }))} />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}

interface TopUp { amount: string; reference: string }

function TopUpTab({ account, reload }: { account: AccountDetail; reload: () => Promise<void> }) {
  const { t } = useTranslation("ops");
  const zone = useZone();
  const { done } = useNotify();
  const [form] = Form.useForm<TopUp>();
  const onFail = useFieldFail(form, { amount: "amount", reference: "reference" });
  const ledger = useServerTable<LedgerRow>(
    (cursor) => getPage(`/v1/ops/accounts/${account.id}/ledger`, "entries", { cursor, limit: 20 }), [account.id]);

  async function topUp(values: TopUp) {
    try {
      const entry = await api.post<{ amount: string; balance: string }>(`/v1/ops/accounts/${account.id}/topups`,
        { amount: values.amount.trim(), reference: values.reference.trim() });
      done(t("topup.done", { amount: entry.amount, balance: entry.balance }));
      form.resetFields();
      await Promise.all([reload(), ledger.reload()]);
    } catch (error) {
      onFail(error);
    }
  }

  return (
    <Space direction="vertical" style={{ width: "100%" }} size="middle">
      <Card title={h2(t("topup.title"))}>
        <Typography.Paragraph>
          {t("accounts.balance")}: <span data-testid="topup-balance">{account.balance}</span> {account.currency}
        </Typography.Paragraph>
        <Form form={form} layout="inline" onFinish={topUp} data-testid="topup-form">
          <Form.Item name="amount" label={t("topup.amount")} tooltip={t("topup.amountHelp")}
            rules={[{ required: true, pattern: /^\s*\d+(\.\d{1,6})?\s*$/, message: t("topup.amountHelp") }]}>
            <Input inputMode="decimal" style={{ width: 160 }} />
          </Form.Item>
          <Form.Item name="reference" label={t("topup.reference")} tooltip={t("topup.referenceHelp")}
            rules={[{ required: true, whitespace: true, max: 100, message: t("required", { field: t("topup.reference") }) }]}>
            <Input style={{ width: 240 }} />
          </Form.Item>
          <Button type="primary" htmlType="submit" data-testid="topup-submit">{t("topup.submit")}</Button>
        </Form>
      </Card>
      <Card title={h2(t("topup.ledger"))} extra={<ZoneNote />}>
        <ServerTable<LedgerRow> state={ledger} rowKey="id" data-testid="ledger-table" columns={[
          { title: t("topup.createdAt"), dataIndex: "created_at", render: (v: string) => formatTime(v, zone) },
          { title: t("topup.kind"), dataIndex: "kind", render: (k: string) => t(`topup.kinds.${k}`, { defaultValue: k }) },
          { title: t("topup.entryAmount"), dataIndex: "amount", align: "right" },
          { title: t("topup.entryReference"), dataIndex: "reference" },
          { title: t("topup.actor"), dataIndex: "actor" },
        ]} />
      </Card>
    </Space>
  );
}

interface NewSender { type: "number" | "sender_id"; value: string; countries: string[] }

function SendersTab({ accountId }: { accountId: string }) {
  const { t } = useTranslation("ops");
  const lang = currentLang();
  const zone = useZone();
  const { fail, done } = useNotify();
  const [form] = Form.useForm<NewSender>();
  const onFail = useFieldFail(form, { type: "type", value: "value", countries: "countries" });
  const table = useServerTable<SenderRow>(async () => onePage(
    (await api.get<{ senders: SenderRow[] }>(`/v1/ops/accounts/${accountId}/senders`)).senders), [accountId]);

  async function add(values: NewSender) {
    try {
      await api.post(`/v1/ops/accounts/${accountId}/senders`, { ...values, value: values.value.trim() });
      done(t("senders.added"));
      form.resetFields();
      void table.reload();
    } catch (error) {
      onFail(error);
    }
  }

  async function remove(row: SenderRow) {
    try {
      await api.del(`/v1/ops/accounts/${accountId}/senders/${row.id}`);
      done(t("senders.removed"));
      void table.reload();
    } catch (error) {
      fail(error);
    }
  }

  return (
    <Space direction="vertical" style={{ width: "100%" }} size="middle">
      <Card title={h2(t("senders.add"))}>
        <Form form={form} layout="vertical" onFinish={add} initialValues={{ type: "number" }} style={{ maxWidth: 560 }}
          data-testid="sender-form">
          <Form.Item name="type" label={t("senders.type")} rules={[{ required: true }]}>
            <FieldSelect data-testid="sender-type"
              options={(["number", "sender_id"] as const).map((v) => ({ value: v, label: t(`senders.types.${v}`) }))} />
          </Form.Item>
          <Form.Item name="value" label={t("senders.value")} extra={t("senders.valueHelp")}
            rules={[{ required: true, whitespace: true, message: t("required", { field: t("senders.value") }) }]}>
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item name="countries" label={t("senders.countries")}
            rules={[{ required: true, message: t("required", { field: t("senders.countries") }) }]}>
            <FieldSelect mode="multiple" showSearch optionFilterProp="label" options={countryOptions(lang)}
              data-testid="sender-countries" />
          </Form.Item>
          <Button type="primary" htmlType="submit" data-testid="sender-submit">{t("common:action.add")}</Button>
        </Form>
      </Card>
      <Card title={h2(t("detail.senders"))}>
        <ServerTable<SenderRow> state={table} rowKey="id" data-testid="senders-table" columns={[
          { title: t("senders.type"), dataIndex: "type", render: (v: string) => t(`senders.types.${v}`, { defaultValue: v }) },
          { title: t("senders.value"), dataIndex: "value" },
          { title: t("senders.countries"), dataIndex: "countries",
            render: (codes: string[]) => codes.map((c) => countryLabel(c, lang)).join(lang === "en" ? ", " : "、") },
          { title: t("senders.createdAt"), dataIndex: "created_at", render: (v: string) => formatTime(v, zone) },
          { title: t("common:table.actions"), key: "actions", render: (_: unknown, row) => (
            <Popconfirm title={t("senders.removeConfirm", { value: row.value })} onConfirm={() => remove(row)}
              okText={t("common:action.confirm")} cancelText={t("common:action.cancel")}>
              <Button danger size="small" data-testid={`remove-sender-${row.id}`}>{t("common:action.delete")}</Button>
            </Popconfirm>) },
        ]} />
      </Card>
    </Space>
  );
}

function SignaturesTab({ accountId }: { accountId: string }) {
  const { t } = useTranslation("ops");
  const zone = useZone();
  const { fail, done } = useNotify();
  const [form] = Form.useForm<{ text: string }>();
  const onFail = useFieldFail(form, { text: "text" });
  const table = useServerTable<SignatureRow>(async () => onePage(
    (await api.get<{ signatures: SignatureRow[] }>(`/v1/ops/accounts/${accountId}/signatures`)).signatures), [accountId]);

  async function add(values: { text: string }) {
    try {
      await api.post(`/v1/ops/accounts/${accountId}/signatures`, { text: values.text.trim() });
      done(t("senders.added"));
      form.resetFields();
      void table.reload();
    } catch (error) {
      onFail(error);
    }
  }

  async function remove(row: SignatureRow) {
    try {
      await api.del(`/v1/ops/accounts/${accountId}/signatures/${row.id}`);
      done(t("senders.removed"));
      void table.reload();
    } catch (error) {
      fail(error);
    }
  }

  return (
    <Space direction="vertical" style={{ width: "100%" }} size="middle">
      <Card title={h2(t("signatures.add"))}>
        <Form form={form} layout="inline" onFinish={add} data-testid="signature-form">
          <Form.Item name="text" label={t("signatures.text")} tooltip={t("signatures.textHelp")}
            rules={[{ required: true, whitespace: true, message: t("required", { field: t("signatures.text") }) }]}>
            <Input style={{ width: 260 }} autoComplete="off" />
          </Form.Item>
          <Button type="primary" htmlType="submit" data-testid="signature-submit">{t("common:action.add")}</Button>
        </Form>
      </Card>
      <Card title={h2(t("detail.signatures"))}>
        <ServerTable<SignatureRow> state={table} rowKey="id" data-testid="signatures-table" columns={[
          { title: t("signatures.text"), dataIndex: "text" },
          { title: t("signatures.createdAt"), dataIndex: "created_at", render: (v: string) => formatTime(v, zone) },
          { title: t("common:table.actions"), key: "actions", render: (_: unknown, row) => (
            <Popconfirm title={t("signatures.removeConfirm", { text: row.text })} onConfirm={() => remove(row)}
              okText={t("common:action.confirm")} cancelText={t("common:action.cancel")}>
              <Button danger size="small" data-testid={`remove-signature-${row.id}`}>{t("common:action.delete")}</Button>
            </Popconfirm>) },
        ]} />
      </Card>
    </Space>
  );
}

interface WebhookConfig { url: string; secret_hint: string; updated_at: string }

function WebhookTab({ accountId }: { accountId: string }) {
  const { t } = useTranslation("ops");
  const zone = useZone();
  const { done } = useNotify();
  const [form] = Form.useForm<{ url: string }>();
  const onFail = useFieldFail(form, { url: "url" });
  const [saved, setSaved] = useState<WebhookConfig | null>(null);

  async function save(values: { url: string }) {
    try {
      setSaved(await api.put<WebhookConfig>(`/v1/ops/accounts/${accountId}/webhook`, { url: values.url.trim() }));
      done(t("webhook.saved"));
    } catch (error) {
      onFail(error);
    }
  }

  return (
    <Card title={h2(t("webhook.url"))}>
      <Form form={form} layout="vertical" onFinish={save} style={{ maxWidth: 640 }}>
        <Form.Item name="url" label={t("webhook.url")} extra={t("webhook.urlHelp")}
          rules={[{ required: true, whitespace: true, message: t("required", { field: t("webhook.url") }) }]}>
          <Input type="url" placeholder="https://example.com/jmc/status" autoComplete="off" />
        </Form.Item>
        <Button type="primary" htmlType="submit" data-testid="webhook-submit">{t("webhook.save")}</Button>
      </Form>
      {saved && (
        <Descriptions column={1} style={{ marginTop: 16 }} data-testid="webhook-saved">
          <Descriptions.Item label={t("webhook.current")}>{saved.url}</Descriptions.Item>
          <Descriptions.Item label={t("webhook.secretHint")}>{saved.secret_hint}</Descriptions.Item>
          <Descriptions.Item label={t("webhook.updatedAt")}>{formatTime(saved.updated_at, zone)}</Descriptions.Item>
        </Descriptions>
      )}
    </Card>
  );
}
