/**
 * Container-registry credentials: `/v2/container-registry-auths` (docs/api.md §5). The password
 * goes out on create and update and is never returned.
 */
import { z } from "zod";
import { caseless, Id, optional, records, Str, Timestamp } from "../core/fields";
import { path, type RequestOptions, type Transport } from "../core/http";
import { Watcher, type WatcherOptions } from "../core/watch";
import { CREDENTIAL_TYPES, CredentialTypeIn, Secret, ShortName } from "../core/rules";
import { parseRequest, withName } from "../core/validation";
import { createdResource } from "./created";

export { CREDENTIAL_TYPES } from "../core/rules";
export type { CredentialType } from "../core/rules";

// ---- requests ----

export const CredentialCreate = z.strictObject({
  name: ShortName,
  /** In the guide, absent from the server schema: optional. */
  type: CredentialTypeIn.optional(),
  username: Secret,
  password: Secret,
});
export type CredentialCreate = z.input<typeof CredentialCreate>;

/** A partial update: any of the three fields. */
export const CredentialUpdate = z
  .strictObject({
    name: ShortName.optional(),
    username: Secret.optional(),
    password: Secret.optional(),
  })
  .refine((u) => u.name !== undefined || u.username !== undefined || u.password !== undefined, {
    message: "needs at least one of name, username, password",
  });
export type CredentialUpdate = z.input<typeof CredentialUpdate>;

// ---- responses ----

export const Credential = z.looseObject({
  id: Id,
  name: Str,
  type: optional(caseless(CREDENTIAL_TYPES)),
  username: optional(Str),
  createdAt: optional(Timestamp),
});
export type Credential = z.output<typeof Credential>;

export class Credentials {
  readonly #http: Transport;
  /** Shared rounds of reads for every caller of this client (client/core/watch.ts). */
  readonly watcher: Watcher<Credential>;

  constructor(http: Transport, watch?: WatcherOptions) {
    this.#http = http;
    this.watcher = new Watcher(
      {
        list: (options) => this.list(options),
        get: (id, options) => this.get(id, options),
        idOf: (credential) => credential.id,
      },
      watch,
    );
  }

  /** Stores a credential; names are unique, so {@link findByName} finds it again. */
  async create(body: CredentialCreate, options?: RequestOptions): Promise<Credential> {
    const data = await this.#http.send({
      call: "credentials.create",
      kind: "create",
      method: "POST",
      path: "/v2/container-registry-auths",
      body: parseRequest(CredentialCreate, body, "credentials.create"),
      response: z.unknown(),
      options,
    });
    return createdResource(
      data,
      Credential,
      "credentials.create",
      "POST /v2/container-registry-auths",
      (id) => this.get(id, options),
    );
  }

  async list(options?: RequestOptions): Promise<Credential[]> {
    return this.#http.send({
      call: "credentials.list",
      kind: "read",
      method: "GET",
      path: "/v2/container-registry-auths",
      response: records(Credential),
      options,
    });
  }

  async get(id: string, options?: RequestOptions): Promise<Credential> {
    return this.#http.send({
      call: "credentials.get",
      kind: "read",
      method: "GET",
      path: path`/v2/container-registry-auths/${id}`,
      response: Credential,
      options,
    });
  }

  async update(id: string, body: CredentialUpdate, options?: RequestOptions): Promise<void> {
    await this.#http.send({
      call: "credentials.update",
      kind: "update",
      method: "PATCH",
      path: path`/v2/container-registry-auths/${id}`,
      body: parseRequest(CredentialUpdate, body, "credentials.update"),
      response: z.unknown(),
      options,
    });
  }

  /** Deletes the credential; refused while a pod or endpoint uses it. */
  async delete(id: string, options?: RequestOptions): Promise<void> {
    await this.#http.send({
      call: "credentials.delete",
      kind: "delete",
      method: "DELETE",
      path: path`/v2/container-registry-auths/${id}`,
      response: z.unknown(),
      options,
    });
  }

  /** Credentials with this name; without `options`, from a list shared with the watcher's callers. */
  async findByName(name: string, options?: RequestOptions): Promise<Credential[]> {
    const credentials = options ? await this.list(options) : await this.watcher.list();
    return withName(credentials, name, "credentials.list");
  }
}
