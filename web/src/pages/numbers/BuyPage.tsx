// 购买号码: search a country's numbers (GET /v1/numbers/available: type, features, pattern;
// paged by Vonage's 1-based index and total count) with our monthly price; a banner says how
// the country's numbers are bought; 购买 confirms the first month charged now (or, in an
// application country, that an application is sent), then POST /v1/numbers. The API's
// refusals (402 insufficient balance, 409 gone) are shown in the page's language.
import { Alert, Button, Col, Form, Input, Modal, Row, Select, Space, Table, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { ApiError, api } from "../../api/client";
import { useMe, useSession } from "../../auth/me";
import { FieldSelect } from "../../components/FieldSelect";
import { PageTitle } from "../../components/PageTitle";
import { useNotify } from "../../components/useNotify";
import { fieldErrors } from "../../lib/errors";
import { FEATURES, NUMBER_TYPES, priceText, purchaseNotice } from "./logic";
import { type Application, type AvailableNumber, type AvailablePage, type NumberRow, useNumberColumns, useNumberText } from "./shared";

const PAGE_SIZE = 10;
const SEARCH_FIELDS = ["country", "type", "features", "pattern"] as const;

interface SearchValues { country: string; type?: string; features?: string[]; pattern?: string }
type Outcome = { kind: "bought"; number: NumberRow } | { kind: "applied"; application: Application };

export default function BuyPage() {
  const { t } = useTranslation("numbers");
  const me = useMe();
  const { reload: reloadMe } = useSession();
  const { fail } = useNotify();
  const text = useNumberText();
  const columns = useNumberColumns<AvailableNumber>();
  const [form] = Form.useForm<SearchValues>();
  const [search, setSearch] = useState<{ values: SearchValues; index: number } | null>(null);
  const [result, setResult] = useState<AvailablePage | null>(null);
  const [loading, setLoading] = useState(false);
  const [buying, setBuying] = useState<AvailableNumber | null>(null);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);

  async function load(values: SearchValues, index: number) {
    setSearch({ values, index });
    setLoading(true);
    form.setFields(SEARCH_FIELDS.map((name) => ({ name, errors: [] })));
    try {
      setResult(await api.get<AvailablePage>("/v1/numbers/available", {
        country: values.country, type: values.type, features: values.features, pattern: values.pattern?.trim(),
        limit: PAGE_SIZE, index,
      }));
    } catch (error) {
      setResult(null);
      const marked = fieldErrors(error, t, [...SEARCH_FIELDS]);
      if (marked.length) form.setFields(marked as never);
      else fail(error);
    } finally {
      setLoading(false);
    }
  }

  async function buy(number: AvailableNumber) {
    setBusy(true);
    try {
      const body = await api.post<NumberRow | { application: Application }>("/v1/numbers",
        { country: number.country, msisdn: number.msisdn });
      setOutcome("application" in body ? { kind: "applied", application: body.application } : { kind: "bought", number: body });
      void reloadMe(); // the balance in the header: the first month is charged
    } catch (error) {
      fail(error);
      if (!(error instanceof ApiError && error.status === 409)) return; // a number gone: the results are stale
    } finally {
      setBusy(false);
      setBuying(null);
    }
    if (search) void load(search.values, search.index);
  }

  const purchase = result?.purchase ?? "direct";
  const applying = purchase === "application";

  return (
    <>
      <PageTitle title={t("title.buy")} />
      <Typography.Paragraph type="secondary">{t("buy.intro")}</Typography.Paragraph>
      {outcome && <OutcomeNotice outcome={outcome} onClose={() => setOutcome(null)} />}
      <Form form={form} layout="vertical" onFinish={(v) => { setOutcome(null); void load(v, 1); }}
        data-testid="buy-search-form">
        <Row gutter={16}>
          <Col xs={24} md={8} xl={6}>
            <Form.Item name="country" label={t("col.country")}
              rules={[{ required: true, message: t("buy.chooseCountry") }]}>
              <FieldSelect showSearch optionFilterProp="label" options={text.countries}
                placeholder={t("requiredSelect", { field: t("col.country") })} data-testid="buy-country" />
            </Form.Item>
          </Col>
          <Col xs={24} md={8} xl={5}>
            <Form.Item name="type" label={t("col.type")}>
              <Select allowClear placeholder={t("filters.any")} data-testid="buy-type"
                options={NUMBER_TYPES.map((v) => ({ value: v, label: text.type(v) }))} />
            </Form.Item>
          </Col>
          <Col xs={24} md={8} xl={6}>
            <Form.Item name="features" label={t("col.features")}>
              <Select mode="multiple" allowClear placeholder={t("filters.any")} data-testid="buy-features"
                options={FEATURES.map((v) => ({ value: v, label: t(`features.${v}`) }))} />
            </Form.Item>
          </Col>
          <Col xs={24} md={8} xl={5}>
            <Form.Item name="pattern" label={t("filters.pattern")} tooltip={t("filters.patternHelp")}>
              <Input allowClear inputMode="numeric" placeholder="7700" data-testid="buy-pattern" />
            </Form.Item>
          </Col>
        </Row>
        <Space style={{ marginBottom: 16 }}>
          <Button type="primary" htmlType="submit" loading={loading} data-testid="buy-search">{t("filters.search")}</Button>
          <Typography.Text data-testid="buy-balance">{t("buy.balance", { balance: priceText(me.balance, me.currency) })}</Typography.Text>
        </Space>
      </Form>
      {result && <PurchaseBanner country={text.country(result.country)} purchase={result.purchase} />}
      {result && (
        <Typography.Paragraph data-testid="buy-count">{t("buy.count", { count: result.count })}</Typography.Paragraph>
      )}
      <Table<AvailableNumber> size="middle" rowKey="msisdn" loading={loading} dataSource={result?.numbers ?? []}
        data-testid="available-table" scroll={{ x: "max-content" }} locale={{ emptyText: t("common:table.empty") }}
        onRow={(row) => ({ "data-msisdn": row.msisdn } as never)}
        pagination={result && result.count > PAGE_SIZE ? {
          current: search?.index ?? 1, pageSize: PAGE_SIZE, total: result.count, showSizeChanger: false,
          onChange: (page) => search && void load(search.values, page),
        } : false}
        columns={[
          ...columns,
          { title: t("common:table.actions"), key: "actions", fixed: "right", render: (_: unknown, row) => (
            <Button size="small" type="primary" onClick={() => setBuying(row)} data-testid={`buy-${row.msisdn}`}>
              {applying ? t("buy.applyButton") : t("buy.button")}
            </Button>) },
        ]} />
      <Modal open={!!buying} destroyOnHidden confirmLoading={busy} onCancel={() => setBuying(null)}
        onOk={() => buying && void buy(buying)}
        title={t(applying ? "buy.applyTitle" : "buy.confirmTitle", { msisdn: buying?.msisdn ?? "" })}
        okText={applying ? t("buy.applyOk") : t("buy.ok")} cancelText={t("common:action.cancel")}
        okButtonProps={{ "data-testid": "buy-confirm" } as never}>
        {buying && <BuyConfirmation number={buying} purchase={purchase} />}
      </Modal>
    </>
  );
}

function PurchaseBanner({ country, purchase }: { country: string; purchase: string }) {
  const { t } = useTranslation("numbers");
  const notice = purchaseNotice(purchase);
  const mode = notice.key === "unknown" ? purchase : t(`purchase.modes.${notice.key}`);
  return (
    <Alert type={notice.type} showIcon style={{ marginBottom: 16 }} data-testid="purchase-mode" data-purchase={purchase}
      message={`${country} · ${mode}`} description={t(`purchase.${notice.key}`)} />
  );
}

/** What the customer agrees to: the number, what it costs now and every month after. */
function BuyConfirmation({ number, purchase }: { number: AvailableNumber; purchase: string }) {
  const { t } = useTranslation("numbers");
  const me = useMe();
  const text = useNumberText();
  const price = priceText(number.monthly_price, number.currency);
  const key = purchase === "application" ? "buy.confirmApplication"
    : purchase === "registration" ? "buy.confirmRegistration" : "buy.confirm";
  return (
    <div data-testid="buy-confirmation">
      <Typography.Paragraph>
        <Typography.Text strong>{number.msisdn}</Typography.Text>
        {" · "}{text.country(number.country)} · {text.type(number.type)} · {text.features(number.features)}
      </Typography.Paragraph>
      <Typography.Paragraph data-testid="buy-price">{t(key, { price })}</Typography.Paragraph>
      <Typography.Paragraph type="secondary">{t("buy.balance", { balance: priceText(me.balance, me.currency) })}</Typography.Paragraph>
    </div>
  );
}

function OutcomeNotice({ outcome, onClose }: { outcome: Outcome; onClose: () => void }) {
  const { t } = useTranslation("numbers");
  const applied = outcome.kind === "applied";
  const msisdn = applied ? outcome.application.msisdn : outcome.number.msisdn;
  const message = applied ? t("buy.applied", { msisdn })
    : outcome.number.status === "pending_registration" ? t("buy.boughtPending", { msisdn }) : t("buy.bought", { msisdn });
  return (
    <Alert type="success" showIcon closable onClose={onClose} role="status" style={{ marginBottom: 16 }}
      data-testid="buy-outcome" data-kind={outcome.kind}
      message={<span>{message}{" "}
        <Link to={applied ? "/numbers/applications" : "/numbers"} data-testid="buy-outcome-link">
          {applied ? t("buy.goApplications") : t("buy.goMine")}
        </Link></span>} />
  );
}
