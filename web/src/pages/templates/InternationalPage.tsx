import { TemplatesPage } from "./TemplatesPage";

export default function InternationalTemplatesPage() {
  return <TemplatesPage kind="international" />;
}
