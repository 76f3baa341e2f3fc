import { Space, Typography } from "antd";
import type { ReactNode } from "react";

/** Every page's one h1 (screen readers and axe want it), with actions on the right. */
export function PageTitle({ title, extra }: { title: string; extra?: ReactNode }) {
  return (
    <div style={{ display: "flex", justifyContent: "space-between", alignItems: "center", marginBottom: 16 }}>
      <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>{title}</Typography.Title>
      {extra && <Space>{extra}</Space>}
    </div>
  );
}
