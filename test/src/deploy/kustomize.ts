// Renders the part of Kustomize that deploy/k8s uses, so that `npm test` can
// validate what `kubectl apply -k` would apply without kubectl or kustomize:
// `resources` (files and directories), `namespace`, `images`, `replicas`, and
// `patches` given by path whose strategic merge touches maps and the lists
// merged by name (containers, env, volumes, volumeMounts). Anything else in a
// kustomization.yaml, or a patch that needs more, fails the render by name
// instead of being rendered wrongly.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

/** A Kubernetes object as YAML gives it: plain JSON values. */
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { name: string; namespace?: string; [key: string]: unknown };
  readonly [key: string]: unknown;
}

/** A manifest and the file it came from (for messages). */
export interface Rendered {
  readonly file: string;
  readonly manifest: Manifest;
}

/** The kustomization.yaml keys {@link renderKustomization} renders; any other fails it. */
export const supportedKeys: readonly string[] = [
  'apiVersion',
  'kind',
  'namespace',
  'resources',
  'images',
  'replicas',
  'patches',
];

/** Lists a strategic merge merges item by item, by the `name` of each item. */
const mergedByName = new Set(['containers', 'initContainers', 'env', 'volumes', 'volumeMounts']);

/** Kinds that are not namespaced, among those a Chamber deployment could hold. */
const clusterScoped = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'PersistentVolume',
  'StorageClass',
  'IngressClass',
  'PriorityClass',
]);

/** Kinds whose `spec.replicas` a `replicas:` entry sets. */
const scalable = new Set(['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController']);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Every YAML document of `file` (empty ones skipped), each checked to be an
 * object with apiVersion, kind and metadata.name. Fails on a YAML error or a
 * document that is not such an object, naming the file.
 */
export function readManifests(file: string): Rendered[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  if (!Array.isArray(docs)) throw new Error(`${file}: not a YAML stream`);
  return docs.flatMap((doc, i) => {
    if (doc.errors.length > 0)
      throw new Error(`${file}: document ${i + 1}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return [];
    if (
      !isObject(value) ||
      typeof value['apiVersion'] !== 'string' ||
      typeof value['kind'] !== 'string' ||
      !isObject(value['metadata']) ||
      typeof value['metadata']['name'] !== 'string'
    )
      throw new Error(`${file}: document ${i + 1} is not an object with apiVersion, kind and name`);
    return [{ file, manifest: value as unknown as Manifest }];
  });
}

/**
 * What `kustomize build dir` gives for the features listed in
 * {@link supportedKeys}: the resources in order, each with the file it came
 * from. Fails, naming the file and the key, on anything it does not render:
 * another kustomization key, a patch by target or inline, a patch that matches
 * no resource, an image or replicas entry that changes nothing.
 */
export function renderKustomization(dir: string): Rendered[] {
  const file = path.join(dir, 'kustomization.yaml');
  const doc: unknown = parseAllDocuments(readFileSync(file, 'utf8'))[0]?.toJS();
  if (!isObject(doc)) throw new Error(`${file}: not a kustomization`);
  for (const key of Object.keys(doc))
    if (!supportedKeys.includes(key))
      throw new Error(`${file}: "${key}" is not rendered by the test's Kustomize subset`);

  const list = (key: string): Json[] => {
    const value = doc[key] ?? [];
    if (!Array.isArray(value)) throw new Error(`${file}: "${key}" must be a list`);
    return value;
  };

  const out: Rendered[] = [];
  for (const entry of list('resources')) {
    if (typeof entry !== 'string') throw new Error(`${file}: a resource must be a path`);
    const at = path.resolve(dir, entry);
    out.push(...(statSync(at).isDirectory() ? renderKustomization(at) : readManifests(at)));
  }

  for (const patch of list('patches')) {
    if (!isObject(patch) || typeof patch['path'] !== 'string' || Object.keys(patch).length !== 1)
      throw new Error(`${file}: only patches given by a path alone are rendered`);
    for (const { manifest: p } of readManifests(path.resolve(dir, patch['path']))) {
      const target = out.find(
        (r) => r.manifest.kind === p.kind && r.manifest.metadata.name === p.metadata.name,
      );
      if (target === undefined)
        throw new Error(`${file}: patch ${patch['path']} matches no ${p.kind} ${p.metadata.name}`);
      strategicMerge(
        target.manifest as unknown as JsonObject,
        p as unknown as JsonObject,
        patch['path'],
      );
    }
  }

  for (const image of list('images')) {
    if (!isObject(image) || typeof image['name'] !== 'string')
      throw new Error(`${file}: an image entry needs a name`);
    const { name, newName, newTag } = image;
    if (Object.keys(image).some((k) => !['name', 'newName', 'newTag'].includes(k)))
      throw new Error(`${file}: image ${name}: only newName and newTag are rendered`);
    let changed = 0;
    for (const container of out.flatMap((r) => containersOf(r.manifest))) {
      const current = container['image'];
      if (typeof current !== 'string') continue;
      const [base, tag] = splitImage(current);
      if (base !== name) continue;
      const newBase = typeof newName === 'string' ? newName : base;
      const finalTag = typeof newTag === 'string' ? newTag : tag;
      container['image'] = finalTag === undefined ? newBase : `${newBase}:${finalTag}`;
      changed++;
    }
    if (changed === 0) throw new Error(`${file}: image ${name} is used by no container`);
  }

  for (const entry of list('replicas')) {
    if (!isObject(entry) || typeof entry['name'] !== 'string' || typeof entry['count'] !== 'number')
      throw new Error(`${file}: a replicas entry needs a name and a count`);
    const targets = out.filter(
      (r) => scalable.has(r.manifest.kind) && r.manifest.metadata.name === entry['name'],
    );
    if (targets.length === 0) throw new Error(`${file}: replicas: no workload ${entry['name']}`);
    for (const t of targets) (t.manifest['spec'] as JsonObject)['replicas'] = entry['count'];
  }

  const namespace = doc['namespace'];
  if (namespace !== undefined) {
    if (typeof namespace !== 'string') throw new Error(`${file}: namespace must be a string`);
    for (const r of out)
      if (!clusterScoped.has(r.manifest.kind)) r.manifest.metadata.namespace = namespace;
  }
  return out;
}

/** The containers and init containers of a workload's pod template (or a Pod), as live objects. */
export function containersOf(manifest: Manifest): JsonObject[] {
  const spec = manifest['spec'];
  if (!isObject(spec)) return [];
  const template = spec['template'];
  const podSpec = manifest.kind === 'Pod' ? spec : isObject(template) ? template['spec'] : null;
  if (!isObject(podSpec)) return [];
  return [podSpec['initContainers'], podSpec['containers']].flatMap((list) =>
    Array.isArray(list) ? list.filter(isObject) : [],
  );
}

/** `name[:tag]` of an image reference (a registry's port is part of the name). */
function splitImage(image: string): [name: string, tag: string | undefined] {
  const at = image.lastIndexOf(':');
  return at > image.lastIndexOf('/')
    ? [image.slice(0, at), image.slice(at + 1)]
    : [image, undefined];
}

/** Merges `patch` into `target` in place, the way a strategic merge patch does for what it supports. */
function strategicMerge(target: JsonObject, patch: JsonObject, where: string): void {
  for (const [key, value] of Object.entries(patch)) {
    const current = target[key];
    if (value === null) delete target[key];
    else if (Array.isArray(value) && Array.isArray(current)) {
      if (!mergedByName.has(key))
        throw new Error(`${where}: list "${key}" is not merged by the test's Kustomize subset`);
      for (const item of value) {
        if (!isObject(item) || typeof item['name'] !== 'string')
          throw new Error(`${where}: an item of "${key}" has no name`);
        const match = current.find((c) => isObject(c) && c['name'] === item['name']);
        if (isObject(match)) strategicMerge(match, item, where);
        else current.push(item);
      }
    } else if (isObject(value) && isObject(current)) strategicMerge(current, value, where);
    else target[key] = value;
  }
}
