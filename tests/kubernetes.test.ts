import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../src/config';

/**
 * deploy/kubernetes (Socket Mode) and deploy/kubernetes/http (the HTTP-mode overlay) are checked
 * without a cluster:
 * - every object against the Kubernetes API schemas: `kubernetes-models`' validators (types,
 *   required fields, formats) and its TypeScript types, whose excess-property check rejects any
 *   field the API does not have (kubectl's strict field validation would);
 * - probes, ports, variables and secrets against the code (src/config.ts), .env.example and the
 *   Dockerfile.
 * The overlay is rendered the way kustomize does for what it uses: its resources plus a strategic
 * merge patch (lists merged by their Kubernetes merge keys).
 */

const root = join(__dirname, '..');
const base = join(root, 'deploy', 'kubernetes');

type Obj = Record<string, unknown> & { apiVersion: string; kind: string; metadata: { name: string } };

interface Kustomization {
  resources?: string[];
  patches?: { path: string }[];
  images?: { name: string; newName?: string; newTag?: string }[];
}

function readYaml(file: string): unknown[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'), { uniqueKeys: true });
  return docs.map((doc) => {
    const problems = [...doc.errors, ...doc.warnings].map((e) => e.message);
    if (problems.length > 0) throw new Error(`${file} is not clean YAML:\n${problems.join('\n')}`);
    return doc.toJS() as unknown;
  });
}

/** Keys by which kustomize's strategic merge merges lists of these fields (Kubernetes' patchMergeKey). */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  env: 'name',
  ports: 'containerPort',
  volumes: 'name',
  volumeMounts: 'mountPath',
};

function strategicMerge(target: unknown, patch: unknown, field = ''): unknown {
  if (Array.isArray(target) && Array.isArray(patch) && MERGE_KEYS[field]) {
    const key = MERGE_KEYS[field];
    const merged = [...target] as Record<string, unknown>[];
    for (const item of patch as Record<string, unknown>[]) {
      const at = merged.findIndex((existing) => existing[key] === item[key]);
      if (at >= 0) merged[at] = strategicMerge(merged[at], item) as Record<string, unknown>;
      else merged.push(item);
    }
    return merged;
  }
  if (isObject(target) && isObject(patch)) {
    const merged: Record<string, unknown> = { ...target };
    for (const [k, v] of Object.entries(patch)) merged[k] = k in merged ? strategicMerge(merged[k], v, k) : v;
    return merged;
  }
  return patch;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The objects `kubectl apply -k <dir>` would send (resources, patches and image overrides used here). */
function render(dir: string): Obj[] {
  const kustomization = readYaml(join(dir, 'kustomization.yaml'))[0] as Kustomization;
  let objects: Obj[] = [];
  for (const resource of kustomization.resources ?? []) {
    const path = join(dir, resource);
    objects.push(...(existsSync(join(path, 'kustomization.yaml')) ? render(path) : (readYaml(path) as Obj[])));
  }
  for (const { path } of kustomization.patches ?? []) {
    const patch = readYaml(join(dir, path))[0] as Obj;
    const at = objects.findIndex((o) => o.kind === patch.kind && o.metadata.name === patch.metadata.name);
    if (at < 0) throw new Error(`${path} patches ${patch.kind}/${patch.metadata.name}, which is not a resource`);
    objects[at] = strategicMerge(objects[at], patch) as Obj;
  }
  objects = objects.map((o) => {
    if (o.kind !== 'Deployment') return o;
    const d = o as unknown as Deployment;
    for (const c of d.spec.template.spec.containers) {
      const image = kustomization.images?.find((i) => i.name === c.image.split(':')[0]);
      if (image) c.image = `${image.newName ?? image.name}:${image.newTag ?? 'latest'}`;
    }
    return o;
  });
  return objects;
}

interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  ports?: { name?: string; containerPort: number }[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: {
      secretKeyRef?: { name: string; key: string; optional?: boolean };
      fieldRef?: { fieldPath: string };
    };
  }[];
  envFrom?: { configMapRef?: { name: string } }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: {
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[] };
  };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface Deployment {
  metadata: { name: string };
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string> };
      spec: {
        automountServiceAccountToken?: boolean;
        terminationGracePeriodSeconds?: number;
        securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
        containers: Container[];
        volumes?: {
          name: string;
          emptyDir?: object;
          secret?: { secretName: string; items?: { key: string; path: string }[] };
        }[];
      };
    };
  };
}
interface Service {
  metadata: { name: string };
  spec: { selector: Record<string, string>; ports: { name?: string; port: number; targetPort: string | number }[] };
}

const of = <T>(objects: Obj[], kind: string): T[] => objects.filter((o) => o.kind === kind) as unknown as T[];
const one = <T>(objects: Obj[], kind: string): T => {
  const found = of<T>(objects, kind);
  expect({ kind, count: found.length }).toEqual({ kind, count: 1 });
  return found[0];
};

const socketMode = render(base);
const httpMode = render(join(base, 'http'));
const secretExample = readYaml(join(base, 'secret.example.yaml'))[0] as Obj & { stringData: Record<string, string> };
const envExample = parseDotenv(readFileSync(join(root, '.env.example'), 'utf8'));

/** Runs kubernetes-models' validator (an ES module) on each object; returns one line per problem. */
function schemaProblems(objects: Obj[]): string[] {
  const script = `
    let input = '';
    for await (const chunk of process.stdin) input += chunk;
    const problems = [];
    for (const object of JSON.parse(input)) {
      const where = object.kind + '/' + object.metadata?.name;
      try {
        const module = await import('kubernetes-models/' + object.apiVersion + '/' + object.kind);
        new module[object.kind](object).validate();
      } catch (error) {
        problems.push(where + ': ' + error.message);
      }
    }
    console.log(JSON.stringify(problems));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    input: JSON.stringify(objects),
    encoding: 'utf8',
  });
  return JSON.parse(out) as string[];
}

/**
 * Type-checks each object as an object literal of kubernetes-models' interface for its kind:
 * TypeScript rejects any property the interface (the API) does not have, at any depth.
 */
function unknownFieldProblems(objects: Obj[]): string[] {
  const file = join(root, 'tests', '__kubernetes_objects__.mts');
  const source = objects
    .map((o, i) => {
      const module = `kubernetes-models/${o.apiVersion}/${o.kind}`;
      return `import type { I${o.kind} as T${i} } from '${module}';\nexport const o${i}: T${i} = ${JSON.stringify(o)};`;
    })
    .join('\n');
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.getSourceFile = (name, language, ...rest) =>
    name === file ? ts.createSourceFile(name, source, language) : getSourceFile(name, language, ...rest);
  host.fileExists = (name) => name === file || fileExists(name);
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
    const object = objects[Math.floor(line / 2)];
    const where = object ? `${object.kind}/${object.metadata.name}` : '?';
    return `${where}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
}

describe('Kubernetes manifests: valid API objects', () => {
  const all = [...httpMode, secretExample];

  it('render: the base has a Deployment, its ConfigMap, a metrics Service and a PodDisruptionBudget', () => {
    expect(socketMode.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ConfigMap/lr-oncall-bot',
      'Deployment/lr-oncall-bot',
      'PodDisruptionBudget/lr-oncall-bot',
      'Service/lr-oncall-bot-metrics',
    ]);
    expect(httpMode.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ConfigMap/lr-oncall-bot',
      'Deployment/lr-oncall-bot',
      'Ingress/lr-oncall-bot',
      'PodDisruptionBudget/lr-oncall-bot',
      'Service/lr-oncall-bot',
      'Service/lr-oncall-bot-metrics',
    ]);
  });

  it('every file of deploy/kubernetes is used by a kustomization, or is the Secret example', () => {
    const used = new Set<string>();
    for (const dir of [base, join(base, 'http')]) {
      used.add(join(dir, 'kustomization.yaml'));
      const k = readYaml(join(dir, 'kustomization.yaml'))[0] as Kustomization;
      for (const r of k.resources ?? []) used.add(join(dir, r));
      for (const p of k.patches ?? []) used.add(join(dir, p.path));
    }
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
      );
    expect(files(base).filter((f) => !used.has(f) && !f.endsWith('secret.example.yaml'))).toEqual([]);
  });

  it("passes kubernetes-models' schema validation", () => {
    expect(schemaProblems(all)).toEqual([]);
  });

  it('has no field the Kubernetes API does not know (strict field validation)', () => {
    expect(unknownFieldProblems(all)).toEqual([]);
  }, 60_000);

  // Guards against checks that accept anything.
  it('the checks reject a wrong type, a missing required field and an unknown field', () => {
    const deployment = structuredClone(one<Deployment>(socketMode, 'Deployment')) as unknown as Obj & Deployment;
    const wrongType = structuredClone(deployment) as unknown as { spec: { replicas: unknown } } & Obj;
    wrongType.spec.replicas = '2';
    const missing = structuredClone(deployment);
    delete (missing.spec.template.spec as { containers?: unknown }).containers;
    expect(schemaProblems([wrongType, missing])).toEqual([
      expect.stringContaining('spec/replicas must be integer'),
      expect.stringContaining('spec/template/spec must have required property containers'),
    ]);
    const unknown = structuredClone(deployment);
    (unknown.spec.template.spec.containers[0] as unknown as Record<string, unknown>).readinesProbe = {};
    expect(unknownFieldProblems([unknown])).toEqual([expect.stringMatching(/readinesProbe.*does not exist/)]);
  }, 60_000);
});

describe.each([
  ['Socket Mode (deploy/kubernetes)', socketMode, 'socket'],
  ['HTTP mode (deploy/kubernetes/http)', httpMode, 'http'],
] as const)('%s agrees with the code', (_, objects, mode) => {
  const deployment = one<Deployment>(objects, 'Deployment');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  const configMap = one<Obj & { data: Record<string, string> }>(objects, 'ConfigMap');
  const literal = Object.fromEntries(
    (container.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]),
  );
  const fromSecret = (container.env ?? []).filter((e) => e.valueFrom?.secretKeyRef);
  /** The environment the bot sees: ConfigMap, literal values, and the Secret example's values. */
  const environment = {
    ...configMap.data,
    LICENSING_CHANNEL: 'C0123ABCD', // the one value the operator must set
    ...literal,
    ...Object.fromEntries(
      fromSecret.map((e) => [
        e.name,
        secretExample.stringData[e.valueFrom!.secretKeyRef!.key]
          .replace('xoxb-…', 'xoxb-1')
          .replace('xapp-…', 'xapp-1') || 'signing-secret',
      ]),
    ),
    REPLICA_ID: 'lr-oncall-bot-7d9f8-abcde',
  };
  const config = loadConfig(environment);
  const portNamed = (name: string | number) =>
    typeof name === 'number' ? name : container.ports?.find((p) => p.name === name)?.containerPort;

  it(`runs in ${mode} mode on PostgreSQL, with several replicas`, () => {
    expect(config.slack.mode).toBe(mode);
    expect(config.database.url).toMatch(/^postgres:\/\//);
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(config.dataDir).toBe('/app/data');
  });

  it('probes readiness on /readyz and liveness on /livez, on the port that serves health in this mode', () => {
    const healthPort = mode === 'socket' ? config.slack.healthPort : config.slack.port;
    expect(container.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(container.livenessProbe?.httpGet?.path).toBe('/livez');
    for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe])
      expect(portNamed(probe!.httpGet!.port)).toBe(healthPort);
    // The code serves those paths.
    const served = readdirSync(join(root, 'src', 'ops'))
      .map((f) => readFileSync(join(root, 'src', 'ops', f), 'utf8'))
      .concat(readFileSync(join(root, 'src', 'composition', 'health-endpoints.ts'), 'utf8'))
      .join('\n');
    for (const path of ['/readyz', '/livez']) expect(served).toContain(`'${path}'`);
  });

  it('declares exactly the ports the bot listens on in this mode, METRICS_PORT included', () => {
    const metrics = Number(literal.METRICS_PORT);
    expect(metrics).toBe(Number(envExample.METRICS_PORT));
    const listening = [mode === 'socket' ? config.slack.healthPort : config.slack.port, metrics];
    const declared = (container.ports ?? []).map((p) => p.containerPort);
    // The HTTP overlay adds PORT; HEALTH_PORT stays declared (unused) from the base.
    for (const port of listening) expect(declared).toContain(port);
    expect(portNamed('metrics')).toBe(metrics);
  });

  it('sets only variables the bot knows (in .env.example), and takes every secret from the Secret', () => {
    const names = [...Object.keys(configMap.data), ...(container.env ?? []).map((e) => e.name)];
    expect(names.filter((n) => !(n in envExample))).toEqual([]);
    const secrets = ['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET', 'DATABASE_URL'];
    expect(fromSecret.map((e) => e.name).sort()).toEqual([...secrets].sort());
    for (const e of fromSecret) {
      expect(e.valueFrom!.secretKeyRef!.name).toBe(secretExample.metadata.name);
      expect(Object.keys(secretExample.stringData)).toContain(e.valueFrom!.secretKeyRef!.key);
    }
    // Only the mode's token is optional; the bot token and the database are always needed.
    const optional = fromSecret.filter((e) => e.valueFrom!.secretKeyRef!.optional).map((e) => e.name);
    expect(optional.sort()).toEqual(['SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET']);
    expect(Object.keys(configMap.data).filter((n) => /TOKEN|SECRET|PASSWORD|DATABASE_URL/.test(n))).toEqual([]);
  });

  it('mounts the one signing key from the Secret where LICENSE_SIGNING_KEY_PATH points', () => {
    const keyPath = config.licenseSigningKeyPath!;
    const volume = pod.volumes?.find((v) => v.secret?.secretName === secretExample.metadata.name);
    const mount = container.volumeMounts?.find((m) => m.name === volume?.name);
    expect(mount?.readOnly).toBe(true);
    const item = volume?.secret?.items?.find((i) => join(mount!.mountPath, i.path) === keyPath);
    expect(item).toBeDefined();
    expect(Object.keys(secretExample.stringData)).toContain(item!.key);
  });

  it('runs non-root with a read-only root file system, writable only where the bot writes', () => {
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext?.runAsNonRoot).toBe(true);
    // The Dockerfile's `USER node` is uid 1000 in the official image.
    expect(readFileSync(join(root, 'Dockerfile'), 'utf8')).toMatch(/^USER node$/m);
    expect(pod.securityContext?.runAsUser).toBe(1000);
    expect(container.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    const emptyDirs = new Set((pod.volumes ?? []).filter((v) => v.emptyDir).map((v) => v.name));
    const writable = (container.volumeMounts ?? []).filter((m) => emptyDirs.has(m.name)).map((m) => m.mountPath);
    expect(writable.sort()).toEqual([config.dataDir, '/tmp'].sort());
  });

  it('gives the bot its shutdown time, and requests resources', () => {
    const grace = pod.terminationGracePeriodSeconds!;
    // main.ts exits at the latest SHUTDOWN_TIMEOUT_MS + 2 s after SIGTERM; the kubelet kills after the grace.
    expect(readFileSync(join(root, 'src', 'main.ts'), 'utf8')).toContain('config.shutdownTimeoutMs + 2000');
    expect(grace * 1000).toBeGreaterThanOrEqual(config.shutdownTimeoutMs + 2000);
    expect(grace * 1000).toBeLessThanOrEqual(config.shutdownTimeoutMs + 10_000);
    expect(container.resources?.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(container.resources?.limits?.memory).toBeDefined();
  });

  it('Services, the PodDisruptionBudget and the Ingress reach these pods on declared ports', () => {
    const labels = deployment.spec.template.metadata.labels;
    expect(deployment.spec.selector.matchLabels).toEqual(labels);
    for (const service of of<Service>(objects, 'Service')) {
      expect(service.spec.selector).toEqual(labels);
      for (const p of service.spec.ports) expect(portNamed(p.targetPort)).toBeDefined();
    }
    const metrics = of<Service>(objects, 'Service').find((s) => s.spec.ports.some((p) => p.targetPort === 'metrics'));
    expect(metrics?.spec.ports).toEqual([{ name: 'metrics', port: 9464, targetPort: 'metrics' }]);
    const pdb = one<{ spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } } }>(
      objects,
      'PodDisruptionBudget',
    );
    expect(pdb.spec.selector.matchLabels).toEqual(labels);
    expect(pdb.spec.minAvailable).toBeLessThan(deployment.spec.replicas);
    const ingresses = of<{
      spec: {
        rules: {
          http: { paths: { path: string; backend: { service: { name: string; port: { name: string } } } }[] };
        }[];
      };
    }>(objects, 'Ingress');
    if (mode === 'socket') {
      // Socket Mode takes no inbound traffic: no Ingress, no Service on the Slack port.
      expect(ingresses).toEqual([]);
      expect(
        of<Service>(objects, 'Service').filter((s) =>
          s.spec.ports.some((p) => portNamed(p.targetPort) === config.slack.port),
        ),
      ).toEqual([]);
      return;
    }
    expect(ingresses).toHaveLength(1);
    const paths = ingresses[0].spec.rules.flatMap((r) => r.http.paths);
    // Bolt's default path, where `npm run manifest -- --url` points every request URL.
    expect(paths.map((p) => p.path)).toEqual(['/slack/events']);
    const backend = paths[0].backend.service;
    const service = of<Service>(objects, 'Service').find((s) => s.metadata.name === backend.name);
    const port = service?.spec.ports.find((p) => p.name === backend.port.name);
    expect(portNamed(port!.targetPort)).toBe(config.slack.port);
  });

  it('uses the image the kustomization names, at the version of package.json', () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(container.image).toBe(`lr-oncall-bot:${version}`);
  });
});
