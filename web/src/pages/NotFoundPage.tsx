import { Button, Result } from "antd";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router-dom";

export default function NotFoundPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  // antd's Result does not pass data-* attributes on: the test id sits on a wrapper
  return (
    <div data-testid="not-found">
      <Result status="404" title={<h1 style={{ fontSize: 22 }}>404</h1>} subTitle={t("app.notFound")}
        extra={<Button type="primary" onClick={() => navigate("/")}>{t("app.back")}</Button>} />
    </div>
  );
}
