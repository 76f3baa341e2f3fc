// A table paged by the API's cursors: Previous / Next walk a stack of cursors, and a change of
// filters starts again at the first page. `reload` (from useServerTable) refetches the page.
import { Button, Space, Table, type TableProps } from "antd";
import { useCallback, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Page } from "../api/client";
import { useNotify } from "./useNotify";

export type Fetcher<T> = (cursor: string | undefined) => Promise<Page<T>>;

export function useServerTable<T>(fetcher: Fetcher<T>, deps: unknown[], pollMs?: number) {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<Page<T>>({ items: [], next: null });
  const [loading, setLoading] = useState(false);
  const [generation, setGeneration] = useState(0);
  const { fail } = useNotify();
  const fetcherRef = useRef(fetcher);
  fetcherRef.current = fetcher;
  const cursor = cursors[cursors.length - 1];

  const load = useCallback(async (quiet = false) => {
    if (!quiet) setLoading(true);
    try {
      setPage(await fetcherRef.current(cursor));
    } catch (error) {
      if (!quiet) fail(error);
    } finally {
      if (!quiet) setLoading(false);
    }
  }, [cursor, generation, fail]);

  // New filters: back to the first page, and fetch it even when already there (the cursor alone
  // would not change). Not on mount: the first fetch is already under way.
  const mounted = useRef(false);
  useEffect(() => {
    if (!mounted.current) {
      mounted.current = true;
      return;
    }
    setCursors([undefined]);
    setGeneration((g) => g + 1);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  useEffect(() => { void load(); }, [load]);
  useEffect(() => {
    if (!pollMs) return undefined;
    const timer = window.setInterval(() => void load(true), pollMs);
    return () => window.clearInterval(timer);
  }, [load, pollMs]);

  return {
    items: page.items,
    loading,
    pageNumber: cursors.length,
    hasNext: !!page.next,
    next: () => page.next && setCursors((c) => [...c, page.next!]),
    prev: () => setCursors((c) => (c.length > 1 ? c.slice(0, -1) : c)),
    reload: () => load(),
  };
}

type State<T> = ReturnType<typeof useServerTable<T>>;

export function ServerTable<T extends object>({ state, ...props }: { state: State<T> } & TableProps<T>) {
  const { t } = useTranslation();
  return (
    <>
      <Table<T> size="middle" pagination={false} loading={state.loading} dataSource={state.items}
        locale={{ emptyText: t("table.empty") }} scroll={{ x: "max-content" }} {...props} />
      <Space style={{ marginTop: 12, justifyContent: "flex-end", width: "100%" }}>
        <span>{t("table.page", { page: state.pageNumber })}</span>
        <Button onClick={state.prev} disabled={state.pageNumber <= 1}>{t("action.prev")}</Button>
        <Button onClick={state.next} disabled={!state.hasNext}>{t("action.next")}</Button>
      </Space>
    </>
  );
}
