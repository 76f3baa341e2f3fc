// The one way the portal talks to the API: same-origin `/v1/...` calls with the user's
// bearer token, refreshed silently once when it expires. Errors come back as ApiError,
// carrying the API's {error: {code, message, field}} so pages can show them in both languages.
import { session } from "./session";

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field?: string;
  readonly retryAfter?: number;

  constructor(status: number, code: string, message: string, field?: string, retryAfter?: number) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
    this.retryAfter = retryAfter;
  }
}

export type Query = Record<string, string | number | boolean | string[] | undefined | null>;

/** `?a=1&b=x` from the defined, non-empty values; arrays repeat as comma-joined lists. */
export function queryString(params: Query = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "") continue;
    if (Array.isArray(value)) {
      if (value.length) search.set(key, value.join(","));
    } else {
      search.set(key, String(value));
    }
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

interface Options {
  method?: string;
  query?: Query;
  body?: unknown;
  /** false for the auth endpoints themselves (no bearer, no refresh). */
  auth?: boolean;
}

async function toApiError(response: Response): Promise<ApiError> {
  const retry = Number(response.headers.get("Retry-After") ?? "") || undefined;
  try {
    const body = await response.json();
    const error = body?.error ?? {};
    return new ApiError(response.status, error.code ?? "http_" + response.status, error.message ?? response.statusText,
      error.field, retry);
  } catch {
    return new ApiError(response.status, "http_" + response.status, response.statusText, undefined, retry);
  }
}

async function send(path: string, options: Options, token: string | null): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  try {
    return await fetch(path + queryString(options.query), {
      method: options.method ?? "GET",
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch {
    throw new ApiError(0, "network_error", "The API could not be reached");
  }
}

export async function request<T>(path: string, options: Options = {}): Promise<T> {
  const useAuth = options.auth !== false;
  let response = await send(path, options, useAuth ? session.accessToken() : null);
  if (response.status === 401 && useAuth && (await session.refresh())) {
    response = await send(path, options, session.accessToken());
  }
  if (response.status === 401 && useAuth) session.expire();
  if (!response.ok) throw await toApiError(response);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const api = {
  get: <T>(path: string, query?: Query) => request<T>(path, { query }),
  post: <T>(path: string, body?: unknown) => request<T>(path, { method: "POST", body: body ?? {} }),
  put: <T>(path: string, body?: unknown) => request<T>(path, { method: "PUT", body: body ?? {} }),
  patch: <T>(path: string, body?: unknown) => request<T>(path, { method: "PATCH", body: body ?? {} }),
  del: <T>(path: string) => request<T>(path, { method: "DELETE" }),
  /** The auth endpoints: no bearer token, no silent refresh. */
  anonymous: <T>(path: string, body: unknown) => request<T>(path, { method: "POST", body, auth: false }),
};

/** A cursor-paged list: the API answers {<key>: [...], next_cursor}. */
export interface Page<T> {
  items: T[];
  next: string | null;
}

export async function getPage<T>(path: string, key: string, query: Query = {}): Promise<Page<T>> {
  const body = await api.get<Record<string, unknown>>(path, query);
  return { items: (body[key] as T[]) ?? [], next: (body.next_cursor as string | null) ?? null };
}
