// 价格管理: the default price per segment and country, or one account's own prices (which win
// over the defaults); set, change and remove them.
import { Button, Card, Form, Input, Popconfirm, Space, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, api, queryString } from "../../api/client";
import { PageTitle } from "../../components/PageTitle";
import { ServerTable, useServerTable } from "../../components/ServerTable";
import { useNotify } from "../../components/useNotify";
import { currentLang } from "../../i18n";
import { errorText } from "../../lib/errors";
import { countryLabel, countryOptions } from "../../lib/countries";
import { FieldSelect } from "../../components/FieldSelect";
import "./i18n";
import { onePage } from "./types";

interface PriceRow { country: string; price: string }
interface PriceForm { country: string; price: string }

export default function PricesPage() {
  const { t } = useTranslation("ops");
  const lang = currentLang();
  const { fail, done } = useNotify();
  const [accountId, setAccountId] = useState<string | undefined>(undefined);
  const [filter] = Form.useForm<{ account_id?: string }>();
  const [form] = Form.useForm<PriceForm>();
  const table = useServerTable<PriceRow>(async () => onePage(
    (await api.get<{ prices: PriceRow[] }>("/v1/ops/prices", { account_id: accountId })).prices), [accountId]);

  function fieldFail(error: unknown) {
    if (error instanceof ApiError && error.field === "account_id") {
      filter.setFields([{ name: "account_id", errors: [errorText(error, t)] }]);
    } else if (error instanceof ApiError && (error.field === "price" || error.field === "country")) {
      form.setFields([{ name: error.field, errors: [errorText(error, t)] }]);
    } else {
      fail(error);
    }
  }

  async function save(values: PriceForm) {
    try {
      await api.put(`/v1/ops/prices/${values.country}`, { price: values.price.trim(), account_id: accountId });
      done(t("prices.saved"));
      form.resetFields();
      void table.reload();
    } catch (error) {
      fieldFail(error);
    }
  }

  async function remove(row: PriceRow) {
    try {
      await api.del(`/v1/ops/prices/${row.country}${queryString({ account_id: accountId })}`);
      done(t("prices.removed"));
      void table.reload();
    } catch (error) {
      fail(error);
    }
  }

  return (
    <>
      <PageTitle title={t("prices.title")} />
      <Card>
        <Form form={filter} layout="inline" onFinish={(v) => setAccountId(v.account_id?.trim() || undefined)}>
          <Form.Item name="account_id" label={t("prices.account")} tooltip={t("prices.accountHelp")}>
            <Input allowClear style={{ width: 280 }} data-testid="prices-account" autoComplete="off" />
          </Form.Item>
          <Button type="primary" htmlType="submit" data-testid="prices-search">{t("common:action.search")}</Button>
          <Button style={{ marginLeft: 8 }} onClick={() => { filter.resetFields(); setAccountId(undefined); }}>
            {t("common:action.reset")}
          </Button>
        </Form>
      </Card>
      <Card style={{ marginTop: 16 }} title={<h2 style={{ fontSize: 16, margin: 0 }} data-testid="prices-scope">
        {accountId ? t("prices.scopeAccount", { id: accountId }) : t("prices.scopeDefault")}</h2>}>
        <Form form={form} layout="inline" onFinish={save} style={{ marginBottom: 16 }} data-testid="price-form">
          <Form.Item name="country" label={t("prices.country")}
            rules={[{ required: true, message: t("required", { field: t("prices.country") }) }]}>
            <FieldSelect showSearch optionFilterProp="label" options={countryOptions(lang)} style={{ width: 240 }}
              data-testid="price-country" />
          </Form.Item>
          <Form.Item name="price" label={t("prices.price")} tooltip={t("prices.priceHelp")}
            rules={[{ required: true, pattern: /^\s*\d+(\.\d{1,6})?\s*$/, message: t("prices.priceHelp") }]}>
            <Input inputMode="decimal" style={{ width: 140 }} autoComplete="off" />
          </Form.Item>
          <Button type="primary" htmlType="submit" data-testid="price-submit">{t("prices.set")}</Button>
        </Form>
        <ServerTable<PriceRow> state={table} rowKey="country" data-testid="prices-table" columns={[
          { title: t("prices.country"), dataIndex: "country", render: (c: string) => countryLabel(c, lang) },
          { title: t("prices.price"), dataIndex: "price", align: "right" },
          { title: t("common:table.actions"), key: "actions", render: (_: unknown, row) => (
            <Space>
              <Button size="small" onClick={() => form.setFieldsValue({ country: row.country, price: row.price })}
                data-testid={`edit-price-${row.country}`}>{t("prices.edit")}</Button>
              <Popconfirm title={t("prices.removeConfirm", { country: countryLabel(row.country, lang) })}
                onConfirm={() => remove(row)} okText={t("common:action.confirm")} cancelText={t("common:action.cancel")}>
                <Button danger size="small" data-testid={`remove-price-${row.country}`}>{t("common:action.delete")}</Button>
              </Popconfirm>
            </Space>) },
        ]} />
        <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>{t("prices.accountHelp")}</Typography.Paragraph>
      </Card>
    </>
  );
}
