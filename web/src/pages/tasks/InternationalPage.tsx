// 国际|港澳台发信
import { SendForm } from "./SendForm";

export default function InternationalPage() {
  return <SendForm kind="international" />;
}
