/** Container-registry credentials: `/v2/container-registry-auths` (yotta-api.md §5). */
import { ApiError, Code, invalid, statusInvalid } from "../errors";
import { Fields, SHORT_NAME } from "../validate";
import { listed, type Cloud, type Route, type View } from "../cloud";
import type { CredentialRecord } from "../model";
import type { Store } from "../store";

const TYPES = ["DOCKER_HUB", "GCR", "ECR", "ACR", "PRIVATE"] as const;
const SECRET = { min: 1, max: 255 };

export function credentialView(c: CredentialRecord, view: View): unknown {
  // The password (and the username) are never returned.
  return {
    id: view.id(c.id),
    name: c.name,
    type: c.type,
    createdAt: view.time(c.createdAt, "iso"),
  };
}

/** The credential a pod or endpoint refers to; an unknown id is a parameter error. */
export function requireCredential(store: Store, id: string, field: string): CredentialRecord {
  const found = store.get("credential", id);
  if (!found) throw invalid(`${field} [${id}] does not exist`);
  return found;
}

/** Who still uses a credential: live pods and any endpoint. */
export function credentialUsers(store: Store, id: string): string[] {
  const pods = store
    .list("pod")
    .filter((p) => p.containerRegistryAuthId === id && p.status !== "TERMINATED")
    .map((p) => `pod [${p.id}]`);
  const endpoints = store
    .list("endpoint")
    .filter((e) => e.containerRegistryAuthId === id)
    .map((e) => `endpoint [${e.id}]`);
  return [...pods, ...endpoints];
}

function find(cloud: Cloud, id: string): CredentialRecord {
  const found = cloud.store.get("credential", id);
  if (!found) throw new ApiError(Code.RECORD_NOT_EXIST, "record does not exist");
  return found;
}

function assertNameFree(store: Store, name: string, self?: string): void {
  if (store.list("credential").some((c) => c.name === name && c.id !== self)) {
    throw invalid(`name [${name}] already exists`);
  }
}

export const credentialRoutes: Route[] = [
  {
    method: "POST",
    template: "/v2/container-registry-auths",
    handler: ({ body }, cloud) => {
      const f = Fields.body(body);
      const name = f.string("name", { ...SHORT_NAME, required: true }) as string;
      const type = f.oneOf("type", TYPES) ?? "DOCKER_HUB";
      const username = f.string("username", { ...SECRET, required: true }) as string;
      const password = f.string("password", { ...SECRET, required: true }) as string;
      assertNameFree(cloud.store, name);
      const now = cloud.store.now();
      const record: CredentialRecord = {
        kind: "credential",
        id: cloud.store.newId(),
        name,
        type,
        username,
        password,
        createdAt: now,
        updatedAt: now,
        pending: [],
      };
      cloud.store.insert(record);
      const view = cloud.view();
      return view.created(record.id, credentialView(record, view));
    },
  },
  {
    method: "GET",
    template: "/v2/container-registry-auths",
    handler: (_req, cloud) => {
      const view = cloud.view();
      return listed(cloud, "credential").map((c) => credentialView(c, view));
    },
  },
  {
    method: "GET",
    template: "/v2/container-registry-auths/{id}",
    handler: ({ params }, cloud) => credentialView(find(cloud, params.id as string), cloud.view()),
  },
  {
    method: "PATCH",
    template: "/v2/container-registry-auths/{id}",
    handler: ({ params, body }, cloud) => {
      const record = find(cloud, params.id as string);
      const f = Fields.body(body);
      const name = f.string("name", SHORT_NAME);
      const username = f.string("username", SECRET);
      const password = f.string("password", SECRET);
      if (name !== undefined) {
        assertNameFree(cloud.store, name, record.id);
        record.name = name;
      }
      if (username !== undefined) record.username = username;
      if (password !== undefined) record.password = password;
      cloud.store.touch(record);
      return credentialView(record, cloud.view());
    },
  },
  {
    method: "DELETE",
    template: "/v2/container-registry-auths/{id}",
    handler: ({ params }, cloud) => {
      const record = find(cloud, params.id as string);
      const users = credentialUsers(cloud.store, record.id);
      if (users.length > 0) {
        throw statusInvalid(`credential [${record.id}] is in use by ${users.join(", ")}`);
      }
      cloud.store.remove("credential", record.id);
      return null;
    },
  },
];
