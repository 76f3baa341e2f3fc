// Files in and out of the task forms, where the JSON client does not fit: the number template
// (an authenticated binary download), a list sent as the request body (POST /v1/uploads), and a
// large list posted straight to S3 through the presigned POST, with its progress.
import { ApiError } from "../../api/client";
import { session } from "../../api/session";
import type { Kind, PresignedUpload, UploadView } from "./types";

/** Above this size a list goes through the presigned upload (the direct path takes 5 MB).
 * The browser tests lower it with sessionStorage `jmc.presignAbove` to try that path quickly. */
export function presignAbove(): number {
  try {
    const value = Number(sessionStorage.getItem("jmc.presignAbove"));
    if (Number.isFinite(value) && value > 0) return value;
  } catch {
    /* no storage: the default */
  }
  return 4 * 1024 * 1024;
}

async function authorized(path: string, init: RequestInit): Promise<Response> {
  const go = () => fetch(path, {
    ...init, headers: { ...(init.headers as Record<string, string>), Authorization: `Bearer ${session.accessToken()}` },
  });
  let response: Response;
  try {
    response = await go();
    if (response.status === 401 && (await session.refresh())) response = await go();
  } catch {
    throw new ApiError(0, "network_error", "The API could not be reached");
  }
  if (response.status === 401) session.expire();
  if (!response.ok) {
    let error: { code?: string; message?: string; field?: string } = {};
    try {
      error = (await response.json())?.error ?? {};
    } catch {
      /* not our error shape */
    }
    throw new ApiError(response.status, error.code ?? `http_${response.status}`, error.message ?? response.statusText,
      error.field);
  }
  return response;
}

/** Save a blob under a name (an object URL clicked as a download link). */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The standard number template (号码模板.xlsx / 国内号码模板.xlsx). */
export async function downloadNumberTemplate(kind: Kind): Promise<void> {
  const response = await authorized(`/v1/tasks/number-template?kind=${kind}`, { headers: { Accept: "*/*" } });
  saveBlob(await response.blob(), kind === "international" ? "号码模板.xlsx" : "国内号码模板.xlsx");
}

const CONTENT_TYPES: Record<string, string> = {
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  csv: "text/csv",
};

/** A small list parsed in the request (POST /v1/uploads, body = the file). */
export async function uploadDirect(file: Blob, filename: string, kind: Kind): Promise<UploadView> {
  const extension = filename.toLowerCase().endsWith(".csv") ? "csv" : "xlsx";
  const query = new URLSearchParams({ kind, filename });
  const response = await authorized(`/v1/uploads?${query}`, {
    method: "POST", body: file, headers: { "Content-Type": CONTENT_TYPES[extension], Accept: "application/json" },
  });
  return (await response.json()) as UploadView;
}

/** A large list: POST /v1/uploads/presign, then the file posted to S3 with the form fields it
 * gave (XMLHttpRequest, for the upload's progress). Parsing starts when the object lands;
 * the caller then polls GET /v1/uploads/{id}. */
export async function uploadPresigned(file: File, kind: Kind, onProgress: (percent: number) => void): Promise<UploadView> {
  const response = await authorized("/v1/uploads/presign", {
    method: "POST", body: JSON.stringify({ kind, filename: file.name }),
    headers: { "Content-Type": "application/json", Accept: "application/json" },
  });
  const presigned = (await response.json()) as PresignedUpload;
  const form = new FormData();
  for (const [name, value] of Object.entries(presigned.upload.fields)) form.append(name, value);
  form.append("file", file); // S3 wants the file last
  await new Promise<void>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", presigned.upload.url);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(Math.round((event.loaded / event.total) * 100));
    };
    xhr.onload = () => (xhr.status >= 200 && xhr.status < 300
      ? resolve()
      : reject(new ApiError(xhr.status, "upload_failed", `storage answered ${xhr.status}`, "file")));
    xhr.onerror = () => reject(new ApiError(0, "network_error", "The storage endpoint could not be reached", "file"));
    xhr.send(form);
  });
  onProgress(100);
  return presigned;
}

/** A typed list as the csv the API parses (one number per line, under a header). */
export function numbersCsv(text: string): Blob {
  const lines = text.split(/[\r\n,;]+/).map((line) => line.trim()).filter(Boolean);
  return new Blob(["phone\r\n" + lines.join("\r\n") + "\r\n"], { type: "text/csv" });
}
