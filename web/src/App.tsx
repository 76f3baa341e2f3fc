import { App as AntApp, ConfigProvider, Spin } from "antd";
import enUS from "antd/locale/en_US";
import zhCN from "antd/locale/zh_CN";
import { lazy, Suspense } from "react";
import { useTranslation } from "react-i18next";
import { createHashRouter, Navigate, RouterProvider, useLocation } from "react-router-dom";
import { MeProvider, isOperator, useSession } from "./auth/me";
import { AppLayout } from "./layout/AppLayout";
import { HOME, ROUTES } from "./routes";
import { THEME } from "./theme";

const LoginPage = lazy(() => import("./pages/login/LoginPage"));
const ForgotPasswordPage = lazy(() => import("./pages/login/ForgotPasswordPage"));
const NotFoundPage = lazy(() => import("./pages/NotFoundPage"));

export function PageFallback() {
  return <Spin style={{ display: "block", margin: "80px auto" }} />;
}

/** Signed-in pages: the shell, with the menu of the user's audience; others go to /login. */
function RequireSession() {
  const { me, loading } = useSession();
  const location = useLocation();
  if (loading) return <PageFallback />;
  if (!me) return <Navigate to="/login" replace state={{ from: location.pathname }} />;
  return <AppLayout />;
}

/** A page of the other audience is not found, for an operator and a customer alike. */
function Guarded({ audience, children }: { audience: "customer" | "operator"; children: JSX.Element }) {
  const { me } = useSession();
  const { pathname } = useLocation();
  const mine = isOperator(me) ? "operator" : "customer";
  if (audience === mine) return <Suspense fallback={<PageFallback />}>{children}</Suspense>;
  if (pathname === "/") return <Navigate to={HOME[mine]} replace />;
  return <Suspense fallback={<PageFallback />}><NotFoundPage /></Suspense>;
}

const router = createHashRouter([
  { path: "/login", element: <Suspense fallback={<PageFallback />}><LoginPage /></Suspense> },
  { path: "/forgot-password", element: <Suspense fallback={<PageFallback />}><ForgotPasswordPage /></Suspense> },
  {
    path: "/",
    element: <RequireSession />,
    children: [
      ...ROUTES.map((route) => ({
        path: route.path,
        element: <Guarded audience={route.audience}><route.page /></Guarded>,
      })),
      { path: "*", element: <Suspense fallback={<PageFallback />}><NotFoundPage /></Suspense> },
    ],
  },
]);

export default function App() {
  const { i18n } = useTranslation();
  return (
    <ConfigProvider locale={i18n.language === "en" ? enUS : zhCN} theme={THEME}>
      <AntApp>
        <MeProvider>
          <RouterProvider router={router} />
        </MeProvider>
      </AntApp>
    </ConfigProvider>
  );
}
