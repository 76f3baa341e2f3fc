import { TranslationOutlined } from "@ant-design/icons";
import { Button, Card, Typography } from "antd";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { currentLang, setLang } from "../../i18n";

export function AuthCard({ title, children }: { title: string; children: ReactNode }) {
  const { t } = useTranslation("login");
  return (
    <main style={{ minHeight: "100vh", display: "flex", alignItems: "center", justifyContent: "center", background: "#f0f2f5" }}>
      <Card style={{ width: 420 }}>
        <div style={{ display: "flex", justifyContent: "space-between", alignItems: "baseline" }}>
          <Typography.Title level={1} style={{ fontSize: 24 }}>{title}</Typography.Title>
          <Button type="link" icon={<TranslationOutlined />} data-testid="switch-language"
            onClick={() => void setLang(currentLang() === "zh" ? "en" : "zh")}>
            {t("common:app.language")}
          </Button>
        </div>
        <Typography.Paragraph type="secondary">{t("subtitle")}</Typography.Paragraph>
        {children}
      </Card>
    </main>
  );
}
