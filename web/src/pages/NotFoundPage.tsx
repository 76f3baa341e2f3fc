import { Button, Result } from "antd";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router-dom";

export default function NotFoundPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  return (
    <Result status="404" title={<h1 style={{ fontSize: 22 }}>404</h1>} subTitle={t("app.notFound")} data-testid="not-found"
      extra={<Button type="primary" onClick={() => navigate("/")}>{t("app.back")}</Button>} />
  );
}
