import { PROVIDER_KEY } from "./check";
import { plain } from "./plain";

/**
 * Thrown from `create` or `update` when the cloud resource exists but did not become ready
 * (FAILED, or the timeout passed). The dynamic-provider host turns an error carrying `id`,
 * `properties` and `reasons` into an initialization failure: the engine records the resource with
 * these outputs, the deployment fails, and the next `up` updates it. A plain error would record
 * nothing and leave a billing resource outside the state.
 */
const BRAND = Symbol.for("pulumi-yotta.provider.ResourceInitError");

export class ResourceInitError extends Error {
  readonly id: string;
  readonly properties: Record<string, unknown>;
  readonly reasons: string[];

  constructor(
    message: string,
    id: string,
    outputs: Record<string, unknown>,
    inputs: Record<string, unknown>,
  ) {
    super(message);
    this.name = "ResourceInitError";
    this.id = id;
    // The host does not add `__provider` to these properties as it does for a successful create;
    // without it the recorded resource could not be updated or deleted later.
    this.properties = plain({ ...outputs, [PROVIDER_KEY]: inputs[PROVIDER_KEY] });
    this.reasons = [message];
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** True for an error that records a resource which exists (from whichever module copy). */
  static isInstance(error: unknown): error is ResourceInitError {
    return (
      typeof error === "object" &&
      error !== null &&
      (error as Record<symbol, unknown>)[BRAND] === true
    );
  }
}
