import { z } from 'zod';

/** Names become key segments (`<region>/<zone>/<rack>`). */
export const namePattern = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const name = z.string().regex(namePattern);

/** Upper bounds beyond which a value is a typo, not a machine. */
export const limits = {
  cores: 1024,
  memoryGiB: 65_536,
  diskGiB: 1_048_576,
  networkGbps: 1_600,
  bootTicks: 100_000,
  devicesPerRack: 64,
  portsPerDevice: 1_024,
  blades: 1_000_000,
  /** Nodes that YAML aliases may copy in all: reuse, not an alias bomb. */
  aliasedNodes: 100_000,
} as const;

const capacity = z.strictObject({
  cores: z.int().min(1).max(limits.cores).optional(),
  memoryGiB: z.number().gt(0).max(limits.memoryGiB).optional(),
  diskGiB: z.number().gt(0).max(limits.diskGiB).optional(),
  networkGbps: z.number().gt(0).max(limits.networkGbps).optional(),
  arch: z.enum(['x86_64', 'arm64']).optional(),
  accelerators: z.array(z.string().min(1)).optional(),
});

const boot = z.strictObject({
  image: z.string().min(1).optional(),
  bootTicks: z
    .tuple([z.int().min(1).max(limits.bootTicks), z.int().min(1).max(limits.bootTicks)])
    .optional(),
});

const bladeTemplate = z.strictObject({ capacity: capacity.optional(), boot: boot.optional() });

const blade = z.strictObject({
  index: z.int().min(0).optional(),
  template: name.optional(),
  count: z.int().min(1).max(limits.blades).optional(),
  capacity: capacity.optional(),
  boot: boot.optional(),
  power: z.strictObject({ pdu: z.int().min(0), port: z.int().min(0) }).optional(),
  network: z.strictObject({ tor: z.int().min(0), port: z.int().min(0) }).optional(),
});

const devices = z.union([
  z.int().min(0).max(limits.devicesPerRack),
  z.strictObject({
    count: z.int().min(0).max(limits.devicesPerRack),
    ports: z.int().min(1).max(limits.portsPerDevice).optional(),
  }),
]);

const rackTemplate = z.strictObject({
  pdus: devices.optional(),
  tors: devices.optional(),
  blades: z.array(blade).optional(),
});

const rack = rackTemplate.extend({
  name: z.string().min(1).optional(),
  template: name.optional(),
  count: z.int().min(1).max(limits.blades).optional(),
  first: z.int().min(0).optional(),
});

const zone = z.strictObject({ name, racks: z.array(rack) });
const region = z.strictObject({ name, zones: z.array(zone).min(1) });

export const definitionSchema = z.strictObject({
  version: z.literal(1),
  name: name.optional(),
  defaults: z.strictObject({ blade: bladeTemplate.optional() }).optional(),
  templates: z
    .strictObject({
      blades: z.record(name, bladeTemplate).optional(),
      racks: z.record(name, rackTemplate).optional(),
    })
    .optional(),
  regions: z.array(region).min(1),
});

export type RawDefinition = z.infer<typeof definitionSchema>;
export type RawRack = z.infer<typeof rack>;
export type RawBlade = z.infer<typeof blade>;
export type RawBladeTemplate = z.infer<typeof bladeTemplate>;
export type RawDevices = z.infer<typeof devices>;
