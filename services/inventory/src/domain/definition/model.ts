/** What a blade offers. */
export interface Capacity {
  readonly cores: number;
  readonly memoryGiB: number;
  readonly diskGiB: number;
  readonly networkGbps: number;
  readonly arch: 'x86_64' | 'arm64';
  readonly accelerators: readonly string[];
}

/** How a blade boots: its image and how many ticks booting takes (drawn in [min, max]). */
export interface BootInfo {
  readonly image: string;
  readonly bootTicks: readonly [min: number, max: number];
}

/** A port of a PDU (power) or TOR (network). */
export interface PortRef {
  readonly device: number;
  readonly port: number;
}

export interface Blade {
  /** `<region>/<zone>/<rack>/blade/<index>`. */
  readonly path: string;
  readonly index: number;
  readonly capacity: Capacity;
  readonly boot: BootInfo;
  /** The PDU port feeding it. */
  readonly power: PortRef;
  /** The TOR port connecting it. */
  readonly network: PortRef;
}

/** A PDU or a TOR: `<region>/<zone>/<rack>/pdu/<index>` or `…/tor/<index>`. */
export interface Device {
  readonly path: string;
  readonly index: number;
  readonly ports: number;
}

export interface Rack {
  readonly path: string;
  readonly name: string;
  readonly pdus: readonly Device[];
  readonly tors: readonly Device[];
  readonly blades: readonly Blade[];
}

export interface Zone {
  readonly path: string;
  readonly name: string;
  readonly racks: readonly Rack[];
}

export interface Region {
  readonly path: string;
  readonly name: string;
  readonly zones: readonly Zone[];
}

/** A definition with every template and generator expanded and every default applied. */
export interface Definition {
  readonly name: string;
  readonly regions: readonly Region[];
  readonly bladeCount: number;
}
