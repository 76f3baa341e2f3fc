// antd's Select inside a required Form.Item: the item hands `aria-required` to the Select, which
// puts it on its root <div> (no role there, so axe flags it as not allowed). The attribute goes
// to the combobox's own input instead, where it belongs.
import { Select, type SelectProps } from "antd";
import { useEffect, useRef } from "react";

export function FieldSelect(props: SelectProps & { "aria-required"?: string | boolean; "data-testid"?: string }) {
  const { "aria-required": required, ...rest } = props;
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const input = box.current?.querySelector("input[role=combobox]");
    if (!input) return;
    if (required) input.setAttribute("aria-required", "true");
    else input.removeAttribute("aria-required");
  }, [required]);
  return <div ref={box}><Select {...rest} /></div>;
}
