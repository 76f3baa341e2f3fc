// What the number pages share: the API's shapes, and the columns every number table shows
// (number, country, type, features, monthly price) in the page's language.
import type { ColumnsType } from "antd/es/table";
import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import { currentLang } from "../../i18n";
import { countryLabel, countryOptions } from "../../lib/countries";
import "./i18n";
import { featuresText, priceText } from "./logic";

export interface NumberRow {
  msisdn: string;
  country: string;
  type: string;
  features: string[];
  status: string;
  monthly_price: string;
  currency: string;
  bought_at: string;
  next_renewal_at: string | null;
  suspended_at: string | null;
  release_at: string | null;
  account_id?: string;
}

export interface AvailableNumber {
  msisdn: string;
  country: string;
  type: string;
  features: string[];
  monthly_price: string;
  currency: string;
}

export interface AvailablePage {
  country: string;
  purchase: string;
  count: number;
  numbers: AvailableNumber[];
}

export interface Application {
  id: string;
  country: string;
  msisdn: string;
  type: string;
  features: string[];
  monthly_price: string;
  currency?: string;
  status: string;
  reason: string | null;
  created_at: string;
  decided_at: string | null;
  account_id?: string;
}

export interface NumberRule {
  country: string;
  purchase: string;
  monthly_prices: Record<string, string>;
  updated_at: string | null;
  updated_by: string | null;
}

interface Described { msisdn: string; country: string; type: string; features: string[]; monthly_price: string; currency?: string }

/** The words for a number's type, features and country in the page's language. */
export function useNumberText() {
  const { t } = useTranslation("numbers");
  const lang = currentLang();
  return useMemo(() => ({
    type: (type: string) => t(`types.${type}`, { defaultValue: type }),
    features: (features: string[]) => featuresText(features, (f) => t(`features.${f}`, { defaultValue: f })),
    country: (code: string) => countryLabel(code, lang),
    countries: countryOptions(lang),
  }), [t, lang]);
}

/** Number, country, type, features and monthly price: the first columns of every number table. */
export function useNumberColumns<T extends Described>(): ColumnsType<T> {
  const { t } = useTranslation("numbers");
  const text = useNumberText();
  return useMemo(() => [
    { title: t("col.msisdn"), dataIndex: "msisdn", render: (v: string) => <span data-testid="msisdn">{v}</span> },
    { title: t("col.country"), dataIndex: "country", render: (c: string) => text.country(c) },
    { title: t("col.type"), dataIndex: "type", render: (v: string) => text.type(v) },
    { title: t("col.features"), dataIndex: "features", render: (f: string[]) => text.features(f ?? []) },
    { title: t("col.monthlyPrice"), dataIndex: "monthly_price", align: "right",
      render: (p: string, row: T) => priceText(p, row.currency) },
  ], [t, text]);
}
