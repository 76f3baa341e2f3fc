// 号码规则 (operators): per country, how its numbers are bought (directly, by an application
// the service team reviews, or with a registration after purchase) and the monthly price per
// number type; a type left without a price costs the carrier's cost × the account's markup.
import { Button, Card, Col, Form, Input, Row, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { ApiError, api } from "../../api/client";
import { useZone } from "../../auth/me";
import { FieldSelect } from "../../components/FieldSelect";
import { PageTitle } from "../../components/PageTitle";
import { ServerTable, useServerTable } from "../../components/ServerTable";
import { useNotify } from "../../components/useNotify";
import { formatTime } from "../../lib/time";
import { formErrors } from "../templates/formErrors";
import { onePage } from "../ops/types";
import { NUMBER_TYPES, PURCHASE_MODES, isPrice, priceOverrides } from "./logic";
import { type NumberRule, useNumberText } from "./shared";

type RuleForm = { country: string; purchase: string } & Partial<Record<string, string>>;

export default function NumberRulesPage() {
  const { t } = useTranslation("numbers");
  const zone = useZone();
  const { fail, done } = useNotify();
  const text = useNumberText();
  const [form] = Form.useForm<RuleForm>();
  const table = useServerTable<NumberRule>(async () => onePage(
    (await api.get<{ rules: NumberRule[] }>("/v1/ops/number-rules")).rules), []);

  async function save(values: RuleForm) {
    try {
      await api.put(`/v1/ops/number-rules/${encodeURIComponent(values.country)}`,
        { purchase: values.purchase, monthly_prices: priceOverrides(values) });
      done(t("rules.saved", { country: text.country(values.country) }));
      form.resetFields();
      void table.reload();
    } catch (error) {
      const labels: Record<string, string> = { country: t("col.country"), purchase: t("col.purchase") };
      for (const type of NUMBER_TYPES) labels[type] = t("rules.priceOf", { type: text.type(type) });
      const fields = error instanceof ApiError && error.field?.startsWith("monthly_prices.")
        ? formErrors(new ApiError(error.status, error.code, error.message, error.field.slice("monthly_prices.".length)), t, labels)
        : formErrors(error, t, labels);
      if (fields.length) form.setFields(fields as never);
      else fail(error);
    }
  }

  function edit(rule: NumberRule) {
    form.setFieldsValue({ country: rule.country, purchase: rule.purchase, ...Object.fromEntries(
      NUMBER_TYPES.map((type) => [type, rule.monthly_prices?.[type] ?? ""])) });
    window.scrollTo({ top: 0 });
  }

  const priceRule = { validator: (_: unknown, value?: string) => (!value?.trim() || isPrice(value)
    ? Promise.resolve() : Promise.reject(new Error(t("rules.invalidPrice")))) };

  return (
    <>
      <PageTitle title={t("title.rules")} />
      <Typography.Paragraph type="secondary">{t("rules.intro")}</Typography.Paragraph>
      <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t("rules.add")}</h2>}>
        <Form form={form} layout="vertical" onFinish={save} initialValues={{ purchase: "direct" }} data-testid="rule-form">
          <Row gutter={16}>
            <Col xs={24} md={8} xl={6}>
              <Form.Item name="country" label={t("col.country")}
                rules={[{ required: true, message: t("requiredSelect", { field: t("col.country") }) }]}>
                <FieldSelect showSearch optionFilterProp="label" options={text.countries} data-testid="rule-country" />
              </Form.Item>
            </Col>
            <Col xs={24} md={8} xl={6}>
              <Form.Item name="purchase" label={t("col.purchase")}
                rules={[{ required: true, message: t("requiredSelect", { field: t("col.purchase") }) }]}>
                <FieldSelect data-testid="rule-purchase"
                  options={PURCHASE_MODES.map((m) => ({ value: m, label: t(`purchase.modes.${m}`) }))} />
              </Form.Item>
            </Col>
          </Row>
          <Row gutter={16}>
            {NUMBER_TYPES.map((type) => (
              <Col xs={24} md={8} xl={6} key={type}>
                <Form.Item name={type} label={t("rules.priceOf", { type: text.type(type) })} extra={t("rules.priceHelp")}
                  rules={[priceRule]}>
                  <Input allowClear inputMode="decimal" placeholder={t("rules.costMarkup")} data-testid={`rule-price-${type}`} />
                </Form.Item>
              </Col>
            ))}
          </Row>
          <Button type="primary" htmlType="submit" data-testid="rule-submit">{t("common:action.save")}</Button>
        </Form>
      </Card>
      <Card style={{ marginTop: 16 }}>
        <ServerTable<NumberRule> state={table} rowKey="country" data-testid="rules-table"
          onRow={(row) => ({ "data-country": row.country } as never)}
          columns={[
            { title: t("col.country"), dataIndex: "country", render: (c: string) => text.country(c) },
            { title: t("col.purchase"), dataIndex: "purchase", render: (m: string) => (
              <span data-purchase={m}>{t(`purchase.modes.${m}`, { defaultValue: m })}</span>) },
            ...NUMBER_TYPES.map((type) => ({
              title: t("rules.priceOf", { type: text.type(type) }), key: type, align: "right" as const,
              render: (_: unknown, row: NumberRule) => row.monthly_prices?.[type]
                ?? <Typography.Text type="secondary">{t("rules.costMarkup")}</Typography.Text>,
            })),
            { title: t("col.updatedAt"), dataIndex: "updated_at", render: (v: string | null) => formatTime(v, zone) },
            { title: t("col.updatedBy"), dataIndex: "updated_by", render: (v: string | null) => v ?? "" },
            { title: t("common:table.actions"), key: "actions", render: (_: unknown, row) => (
              <Button size="small" onClick={() => edit(row)} data-testid={`rule-edit-${row.country}`}>
                {t("common:action.edit")}</Button>) },
          ]} />
      </Card>
    </>
  );
}
