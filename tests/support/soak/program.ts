// A soak plan's declarations as a Pulumi program, written with the SDK classes as a user writes
// one. The program reads the declarations each time the engine runs it, so a dropped declaration
// or the update takes effect on the next `up`.
import type * as pulumi from "@pulumi/pulumi";
import * as yotta from "pulumi-yotta";
import { GPU, type Decl } from "./plan";

/** Small, so an outcome the provider is unsure of resolves within the run. */
const TIMEOUTS = { create: "30s", update: "30s", delete: "30s" };

/** The kinds a program's resources come in, for the order they are declared in. */
const ORDER: Decl["kind"][] = ["credential", "volume", "pod", "endpoint", "fleet"];

export function declare(decls: readonly Decl[]): void {
  const ids = new Map<string, pulumi.Output<string>>();
  const regionOf = new Map<string, string>();
  const sorted = [...decls].sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind));
  for (const d of sorted) {
    switch (d.kind) {
      case "credential":
        ids.set(
          d.logical,
          new yotta.Credential(d.logical, {
            name: d.name,
            username: d.username,
            password: d.password,
            timeouts: TIMEOUTS,
          }).id,
        );
        break;
      case "volume":
        ids.set(
          d.logical,
          new yotta.Volume(d.logical, {
            name: d.name,
            storageType: "CEPH",
            region: d.region,
            sizeInGb: d.sizeInGb,
            timeouts: TIMEOUTS,
          }).id,
        );
        regionOf.set(d.logical, d.region);
        break;
      case "pod": {
        // A reference to a declaration that was dropped is dropped with it.
        const credentialId = d.credential ? ids.get(d.credential) : undefined;
        const volumeId = d.volume ? ids.get(d.volume) : undefined;
        new yotta.Pod(d.logical, {
          name: d.name,
          image: d.image,
          gpuType: GPU,
          gpuCount: 1,
          regions: volumeId ? [regionOf.get(d.volume!)!] : d.regions,
          running: d.running,
          credentialId,
          volumes: volumeId ? [{ volumeId, mountPath: "/data", volumeType: "CEPH" }] : undefined,
          adoptId: d.adoptId,
          timeouts: TIMEOUTS,
        });
        break;
      }
      case "endpoint":
        new yotta.Endpoint(d.logical, {
          name: d.name,
          image: d.image,
          resources: [{ region: d.region, gpuType: GPU, gpuCount: 1 }],
          workers: d.workers,
          containerVolumeInGb: 20,
          serviceMode: d.serviceMode,
          timeouts: TIMEOUTS,
        });
        break;
      case "fleet":
        new yotta.GpuFleet(d.logical, {
          replicas: d.replicas,
          template: { image: d.image, gpuCount: 1, timeouts: TIMEOUTS },
          placements: [{ gpuType: GPU, regions: [d.region] }],
          sharedVolume: d.sharedVolumeGb
            ? { sizeInGb: d.sharedVolumeGb, mountPath: "/shared", region: d.region }
            : undefined,
        });
        break;
    }
  }
}

/**
 * The Pulumi names a declaration owns in the state: itself, or a fleet's replicas and shared
 * volume (`fleet3-0`, `fleet3-1`, `fleet3-shared`).
 */
export function ownerOf(decls: readonly Decl[], pulumiName: string): Decl | undefined {
  return decls.find(
    (d) =>
      d.logical === pulumiName ||
      (d.kind === "fleet" &&
        (pulumiName === `${d.logical}-shared` ||
          new RegExp(`^${d.logical}-\\d+$`).test(pulumiName))),
  );
}
