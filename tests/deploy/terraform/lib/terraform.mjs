// Loads deploy/terraform/<module>/*.tf through @cdktf/hcl2json (HashiCorp's
// own HCL parser compiled to WebAssembly) and checks what `terraform validate`
// cannot run here: the resources, variables, outputs, provider pins and the
// backend of the node-pool modules. Every check returns a list of problems
// (empty when all is well) so that the tests can also show that a broken
// module is caught (mutations.test.mjs).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from '@cdktf/hcl2json';

const here = path.dirname(fileURLToPath(import.meta.url));
export const SOURCE_DIR = process.env.SB_SOURCE_DIR
  ? path.resolve(process.env.SB_SOURCE_DIR)
  : path.resolve(here, '../../../..');
export const TERRAFORM_DIR = path.join(SOURCE_DIR, 'deploy/terraform');
export const VERSIONS_ENV = path.join(SOURCE_DIR, 'deploy/versions.env');

// What differs between the two modules; everything else is checked alike.
export const MODULES = {
  hcloud: {
    provider: 'hcloud',
    source: 'hetznercloud/hcloud',
    versionKey: 'TERRAFORM_PROVIDER_HCLOUD',
    tokenVar: 'hcloud_token',
    types: {
      network: 'hcloud_network',
      sshKey: 'hcloud_ssh_key',
      firewall: 'hcloud_firewall',
      server: 'hcloud_server',
    },
    sizeVar: 'server_type',
    sizeAttr: 'server_type',
    regionVar: 'location',
    regionAttr: 'location',
    labelsVar: 'labels',
    labelsType: 'map(string)',
    labelsAttr: 'labels',
    imageDefault: 'debian-12',
    networkRangeVar: 'network_ip_range',
  },
  digitalocean: {
    provider: 'digitalocean',
    source: 'digitalocean/digitalocean',
    versionKey: 'TERRAFORM_PROVIDER_DIGITALOCEAN',
    tokenVar: 'digitalocean_token',
    types: {
      network: 'digitalocean_vpc',
      sshKey: 'digitalocean_ssh_key',
      firewall: 'digitalocean_firewall',
      server: 'digitalocean_droplet',
    },
    sizeVar: 'size',
    sizeAttr: 'size',
    regionVar: 'region',
    regionAttr: 'region',
    labelsVar: 'tags',
    labelsType: 'list(string)',
    labelsAttr: 'tags',
    imageDefault: 'debian-12-x64',
    networkRangeVar: 'vpc_ip_range',
  },
};

export const EXPECTED_FILES = ['main.tf', 'outputs.tf', 'variables.tf', 'versions.tf'];
export const SERVER_OUTPUT_KEYS = ['id', 'index', 'name', 'private_ipv4', 'public_ipv4', 'public_ipv6', 'region', 'size'];
// Names Terraform refuses for variables (they mean something in module blocks).
export const RESERVED_VARIABLE_NAMES = ['count', 'depends_on', 'for_each', 'lifecycle', 'locals', 'providers', 'source', 'version'];
export const ANYWHERE = ['0.0.0.0/0', '::/0'];
// The ports k3s needs between nodes (docs.k3s.io "Inbound Rules for K3s Nodes"):
// never reachable from outside the private network.
export const K3S_INTERNAL_PORTS = [
  { protocol: 'tcp', port: '10250', what: 'kubelet' },
  { protocol: 'tcp', port: '2379-2380', what: 'embedded etcd' },
  { protocol: 'tcp', port: '5001', what: 'embedded registry mirror (spegel)' },
  { protocol: 'udp', port: '8472', what: 'flannel VXLAN' },
  { protocol: 'udp', port: '51820-51821', what: 'flannel WireGuard' },
];

// ---------------------------------------------------------------- loading

export async function parseHcl(name, text) {
  try {
    return await parse(name, text);
  } catch (err) {
    throw new Error(`${name}: HCL does not parse: ${err?.message ?? err}`);
  }
}

export function moduleDir(name) {
  return path.join(TERRAFORM_DIR, name);
}

export function readModuleSources(name) {
  const dir = moduleDir(name);
  const files = {};
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.tf')).sort()) {
    files[f] = fs.readFileSync(path.join(dir, f), 'utf8');
  }
  return files;
}

// Parses every .tf of a module (`sources` maps file name to text, so a test
// can hand in a changed copy) and merges the files into one configuration,
// as Terraform does. A block defined twice is a problem Terraform reports too.
export async function loadModule(name, sources = readModuleSources(name)) {
  const config = {
    name,
    files: {},
    terraform: [],
    provider: {},
    variable: {},
    output: {},
    locals: {},
    resource: {},
    data: {},
    duplicates: [],
  };
  for (const [file, text] of Object.entries(sources)) {
    const parsed = await parseHcl(`${name}/${file}`, text);
    config.files[file] = parsed;
    for (const [kind, value] of Object.entries(parsed)) {
      switch (kind) {
        case 'terraform':
          for (const block of value) config.terraform.push({ file, block });
          break;
        case 'locals':
          for (const block of value) {
            for (const [k, v] of Object.entries(block)) {
              if (k in config.locals) config.duplicates.push(`local.${k}`);
              config.locals[k] = v;
            }
          }
          break;
        case 'provider':
        case 'variable':
        case 'output':
          for (const [k, blocks] of Object.entries(value)) {
            if (k in config[kind] || blocks.length !== 1) config.duplicates.push(`${kind} ${k}`);
            config[kind][k] = blocks[0];
          }
          break;
        case 'resource':
        case 'data':
          for (const [type, byName] of Object.entries(value)) {
            config[kind][type] ??= {};
            for (const [k, blocks] of Object.entries(byName)) {
              if (k in config[kind][type] || blocks.length !== 1) config.duplicates.push(`${kind} ${type}.${k}`);
              config[kind][type][k] = blocks[0];
            }
          }
          break;
        default:
          config.duplicates.push(`unknown top-level block ${kind} in ${file}`);
      }
    }
  }
  return config;
}

export function readVersionsEnv(text = fs.readFileSync(VERSIONS_ENV, 'utf8')) {
  const values = {};
  const problems = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const m = /^([A-Z][A-Z0-9_]*)=([^\s"'$`]+)$/.exec(line);
    if (!m) {
      problems.push(`versions.env line ${i + 1} is not KEY=value (no quotes, spaces or $): ${line}`);
      return;
    }
    if (m[1] in values) problems.push(`versions.env sets ${m[1]} twice`);
    values[m[1]] = m[2];
  });
  return { values, problems };
}

// ---------------------------------------------------------------- expressions

// hcl2json keeps every expression as its source text wrapped in "${...}".
export function isExpr(value, text) {
  return typeof value === 'string' && value === `\${${text}}`;
}

export function exprText(value) {
  if (typeof value !== 'string') return null;
  const m = /^\$\{([\s\S]*)\}$/.exec(value);
  return m ? m[1].trim() : null;
}

// All strings inside a value, except human text (descriptions, messages).
function strings(value, out = []) {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => strings(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k !== 'description' && k !== 'error_message') strings(v, out);
    }
  }
  return out;
}

const PROVIDER_TYPES = '(?:hcloud|digitalocean)_[a-z0-9_]+';

// References in a value: var.X, local.X, <type>.<name> and data.<type>.<name>.
export function refs(value) {
  const found = { vars: new Set(), locals: new Set(), resources: new Set(), data: new Set() };
  for (const s of strings(value)) {
    if (!s.includes('${')) continue;
    for (const m of s.matchAll(/(?<![\w.])var\.([A-Za-z_][\w-]*)/g)) found.vars.add(m[1]);
    for (const m of s.matchAll(/(?<![\w.])local\.([A-Za-z_][\w-]*)/g)) found.locals.add(m[1]);
    for (const m of s.matchAll(new RegExp(`(?<![\\w.])(${PROVIDER_TYPES})\\.([A-Za-z_][\\w-]*)`, 'g'))) {
      found.resources.add(`${m[1]}.${m[2]}`);
    }
    for (const m of s.matchAll(/(?<![\w.])data\.([A-Za-z_]\w*)\.([A-Za-z_][\w-]*)/g)) found.data.add(`${m[1]}.${m[2]}`);
  }
  return found;
}

// refs() plus the references of every local it uses, transitively.
export function deepRefs(config, value) {
  const all = refs(value);
  const seen = new Set();
  const queue = [...all.locals];
  while (queue.length) {
    const name = queue.shift();
    if (seen.has(name) || !(name in config.locals)) continue;
    seen.add(name);
    const r = refs(config.locals[name]);
    for (const k of ['vars', 'resources', 'data']) r[k].forEach((x) => all[k].add(x));
    r.locals.forEach((l) => {
      all.locals.add(l);
      queue.push(l);
    });
  }
  return all;
}

// The one resource of a type: [address, block], or a problem.
export function only(config, type, problems) {
  const byName = config.resource[type] ?? {};
  const names = Object.keys(byName);
  if (names.length !== 1) {
    problems.push(`expected exactly one ${type} resource, found ${names.length}`);
    return [null, {}];
  }
  return [`${type}.${names[0]}`, byName[names[0]]];
}

// The pattern of `can(regex("...", var.<name>))` in a variable's validation.
export function validationRegex(variable, varName) {
  for (const v of variable?.validation ?? []) {
    const cond = exprText(v.condition) ?? '';
    const m = new RegExp(`regex\\("((?:[^"\\\\]|\\\\.)*)",\\s*(?:chomp\\()?var\\.${varName}\\b`).exec(cond);
    if (m) return new RegExp(JSON.parse(`"${m[1]}"`));
  }
  return null;
}

// ---------------------------------------------------------------- checks

export function checkStructure(config) {
  const problems = [...config.duplicates.map((d) => `defined more than once: ${d}`)];
  const files = Object.keys(config.files).sort();
  for (const f of EXPECTED_FILES) if (!files.includes(f)) problems.push(`missing ${f}`);
  return problems;
}

export function checkTerraformBlock(config, spec, versions) {
  const problems = [];
  if (config.terraform.length !== 1) {
    problems.push(`expected one terraform block, found ${config.terraform.length}`);
    if (config.terraform.length === 0) return problems;
  }
  const { file, block } = config.terraform[0];
  if (file !== 'versions.tf') problems.push(`the terraform block belongs in versions.tf, not ${file}`);

  const rv = block.required_version;
  const m = /^>=\s*1\.(\d+)\.\d+$/.exec(rv ?? '');
  if (!m || Number(m[1]) < 5) problems.push(`required_version must be ">= 1.5.0" or newer, got ${JSON.stringify(rv)}`);

  const providers = Object.assign({}, ...(block.required_providers ?? []));
  const names = Object.keys(providers);
  if (names.length !== 1 || names[0] !== spec.provider) {
    problems.push(`required_providers must name exactly ${spec.provider}, got ${JSON.stringify(names)}`);
  }
  const p = providers[spec.provider];
  if (p) {
    if (p.source !== spec.source) problems.push(`provider ${spec.provider} source must be ${spec.source}, got ${p.source}`);
    const pinned = /^=?\s*(\d+\.\d+\.\d+)$/.exec(p.version ?? '');
    if (!pinned) {
      problems.push(`provider ${spec.provider} version must be pinned exactly (x.y.z), got ${JSON.stringify(p.version)}`);
    } else if (versions && versions[spec.versionKey] !== pinned[1]) {
      problems.push(`provider ${spec.provider} is pinned to ${pinned[1]} but deploy/versions.env ${spec.versionKey}=${versions[spec.versionKey]}`);
    }
  }

  const backends = Object.assign({}, ...(block.backend ? [block.backend] : []));
  const kinds = Object.keys(backends);
  if (kinds.length !== 1 || kinds[0] !== 'kubernetes') {
    problems.push(`expected exactly a backend "kubernetes" block, got ${JSON.stringify(kinds)}`);
  } else {
    const cfg = backends.kubernetes[0] ?? {};
    if (Object.keys(cfg).length !== 0) {
      problems.push(`backend "kubernetes" must stay empty (partial configuration: the runner passes ${Object.keys(cfg).join(', ')} with -backend-config)`);
    }
  }
  return problems;
}

export function checkProviderAndToken(config, spec) {
  const problems = [];
  const provider = config.provider[spec.provider];
  if (!provider) problems.push(`no provider "${spec.provider}" block`);
  else if (!isExpr(provider.token, `var.${spec.tokenVar}`)) {
    problems.push(`provider ${spec.provider} must take its token from var.${spec.tokenVar}, got ${JSON.stringify(provider.token)}`);
  }
  const token = config.variable[spec.tokenVar];
  if (!token) {
    problems.push(`no variable ${spec.tokenVar}`);
    return problems;
  }
  if (token.sensitive !== true) problems.push(`variable ${spec.tokenVar} must be sensitive = true`);
  if (!isExpr(token.type, 'string')) problems.push(`variable ${spec.tokenVar} must be a string`);
  if ('default' in token) problems.push(`variable ${spec.tokenVar} must not have a default`);

  // The token goes to the provider and nowhere else.
  const users = [];
  for (const [type, byName] of Object.entries(config.resource)) {
    for (const [name, block] of Object.entries(byName)) {
      if (deepRefs(config, block).vars.has(spec.tokenVar)) users.push(`${type}.${name}`);
    }
  }
  for (const [name, value] of Object.entries(config.locals)) {
    if (refs(value).vars.has(spec.tokenVar)) users.push(`local.${name}`);
  }
  for (const [name, block] of Object.entries(config.variable)) {
    if (name !== spec.tokenVar && refs(block).vars.has(spec.tokenVar)) users.push(`variable ${name}`);
  }
  if (users.length) problems.push(`var.${spec.tokenVar} is used outside the provider block: ${users.join(', ')}`);
  return problems;
}

export function checkOutputs(config, spec) {
  const problems = [];
  const sensitiveVars = Object.entries(config.variable).filter(([, v]) => v.sensitive === true).map(([k]) => k);
  for (const [name, out] of Object.entries(config.output)) {
    if (!out.description) problems.push(`output ${name} has no description`);
    if (out.sensitive === true) problems.push(`output ${name} is sensitive: outputs are read by the runner and shown, they must hold no secret`);
    if (/token|secret|password|private/i.test(name)) problems.push(`output ${name} looks like a secret`);
    const r = deepRefs(config, out.value);
    for (const v of sensitiveVars) if (r.vars.has(v)) problems.push(`output ${name} leaks sensitive var.${v}`);
  }

  const [serverAddr] = only(config, spec.types.server, []);
  const [networkAddr] = only(config, spec.types.network, []);
  const servers = exprText(config.output.servers?.value);
  if (!servers) {
    problems.push('no output "servers"');
  } else {
    const loop = /^\[\s*for\s+(\w+)\s*,\s*(\w+)\s+in\s+([\w.]+)\s*:\s*\{([\s\S]*)\}\s*\]$/.exec(servers);
    if (!loop) {
      problems.push(`output servers must be [for i, s in <servers> : { ... }], got ${servers}`);
    } else {
      if (loop[3] !== serverAddr) problems.push(`output servers must iterate over ${serverAddr}, got ${loop[3]}`);
      const keys = [...loop[4].matchAll(/^\s*(\w+)\s*=/gm)].map((k) => k[1]).sort();
      if (JSON.stringify(keys) !== JSON.stringify(SERVER_OUTPUT_KEYS)) {
        problems.push(`output servers objects must have keys ${SERVER_OUTPUT_KEYS.join(', ')}, got ${keys.join(', ')}`);
      }
      const item = loop[2];
      for (const key of ['public_ipv4', 'private_ipv4', 'public_ipv6']) {
        const line = new RegExp(`^\\s*${key}\\s*=\\s*(.+)$`, 'm').exec(loop[4]);
        if (!line || !line[1].includes(`${item}.`)) problems.push(`output servers ${key} must come from the server (${item}.*)`);
      }
    }
  }
  if (!isExpr(config.output.network_id?.value, `${networkAddr}.id`)) {
    problems.push(`output network_id must be ${networkAddr}.id, got ${JSON.stringify(config.output.network_id?.value)}`);
  }
  return problems;
}

export function checkVariables(config, spec) {
  const problems = [];
  const vars = config.variable;
  for (const [name, v] of Object.entries(vars)) {
    if (RESERVED_VARIABLE_NAMES.includes(name)) problems.push(`variable name ${name} is reserved by Terraform`);
    if (!v.description) problems.push(`variable ${name} has no description`);
    if (!v.type) problems.push(`variable ${name} has no type`);
  }

  const expectType = (name, type) => {
    if (!vars[name]) problems.push(`no variable ${name}`);
    else if (!isExpr(vars[name].type, type)) problems.push(`variable ${name} must be ${type}, got ${JSON.stringify(vars[name].type)}`);
  };
  const expectDefault = (name, value) => {
    if (vars[name] && JSON.stringify(vars[name].default) !== JSON.stringify(value)) {
      problems.push(`variable ${name} must default to ${JSON.stringify(value)}, got ${JSON.stringify(vars[name].default)}`);
    }
  };
  const expectRequired = (name) => {
    if (vars[name] && 'default' in vars[name]) problems.push(`variable ${name} must be required (no default)`);
  };
  const expectValidation = (name, pattern) => {
    const conds = (vars[name]?.validation ?? []).map((v) => exprText(v.condition) ?? '');
    if (!conds.some((c) => pattern.test(c))) problems.push(`variable ${name} needs a validation matching ${pattern}`);
    for (const v of vars[name]?.validation ?? []) {
      if (!v.error_message) problems.push(`variable ${name} has a validation without error_message`);
    }
  };

  expectType('name_prefix', 'string');
  expectRequired('name_prefix');
  expectValidation('name_prefix', /regex\(.*var\.name_prefix/);

  expectType('server_count', 'number');
  expectDefault('server_count', 1);
  expectValidation('server_count', /var\.server_count\s*>=\s*1\b/);

  expectType(spec.sizeVar, 'string');
  expectType(spec.regionVar, 'string');
  for (const n of [spec.sizeVar, spec.regionVar]) if (vars[n] && typeof vars[n].default !== 'string') problems.push(`variable ${n} needs a default`);

  expectType('image', 'string');
  expectDefault('image', spec.imageDefault);

  expectType(spec.labelsVar, spec.labelsType);
  expectDefault(spec.labelsVar, spec.labelsType.startsWith('map') ? {} : []);

  expectType('ssh_public_key', 'string');
  expectRequired('ssh_public_key');
  expectValidation('ssh_public_key', /regex\(.*var\.ssh_public_key/);

  expectType('ssh_allowed_cidrs', 'list(string)');
  expectRequired('ssh_allowed_cidrs');
  expectValidation('ssh_allowed_cidrs', /length\(var\.ssh_allowed_cidrs\)\s*>\s*0.*cidrhost/);

  expectType('api_allowed_cidrs', 'list(string)');
  expectDefault('api_allowed_cidrs', ANYWHERE);
  expectValidation('api_allowed_cidrs', /cidrhost/);

  expectType(spec.networkRangeVar, 'string');
  expectValidation(spec.networkRangeVar, /cidrnetmask\(var\./);

  // Declared and used agree, everywhere.
  const used = new Set();
  const usedLocals = new Set();
  const usedResources = new Set();
  const scan = (value, owner) => {
    const r = refs(value);
    r.vars.forEach((v) => { if (owner !== `variable ${v}`) used.add(v); });
    r.locals.forEach((l) => usedLocals.add(l));
    r.resources.forEach((x) => usedResources.add(x));
    r.data.forEach((d) => problems.push(`${owner} reads data.${d}: the modules use no data sources`));
  };
  for (const [name, v] of Object.entries(vars)) scan(v, `variable ${name}`);
  for (const [name, v] of Object.entries(config.locals)) scan(v, `local.${name}`);
  for (const [type, byName] of Object.entries(config.resource)) {
    for (const [name, v] of Object.entries(byName)) scan(v, `${type}.${name}`);
  }
  for (const [name, v] of Object.entries(config.output)) scan(v, `output ${name}`);
  for (const [name, v] of Object.entries(config.provider)) scan(v, `provider ${name}`);
  for (const v of used) if (!(v in vars)) problems.push(`var.${v} is used but not declared`);
  for (const v of Object.keys(vars)) if (!used.has(v)) problems.push(`variable ${v} is declared but never used`);
  for (const l of usedLocals) if (!(l in config.locals)) problems.push(`local.${l} is used but not declared`);
  for (const l of Object.keys(config.locals)) if (!usedLocals.has(l)) problems.push(`local.${l} is declared but never used`);
  for (const x of usedResources) {
    const [type, name] = x.split('.');
    if (!config.resource[type]?.[name]) problems.push(`${x} is referenced but not declared`);
  }
  return problems;
}

// The firewall's rules as {direction, protocol, port, sources}, where a source
// is a literal CIDR or the expression it comes from (var.x, <resource>.ip_range).
export function firewallRules(config, spec) {
  const problems = [];
  const [, fw] = only(config, spec.types.firewall, problems);
  const sources = (value) => {
    const text = exprText(value);
    if (text !== null && /^local\.\w+$/.test(text)) return sources(config.locals[text.slice(6)]);
    if (text !== null) return [text];
    if (Array.isArray(value)) return value.flatMap((v) => sources(v));
    return value === undefined ? [] : [String(value)];
  };
  const rules = [];
  if (spec.provider === 'hcloud') {
    for (const r of fw.rule ?? []) {
      rules.push({
        direction: r.direction,
        protocol: r.protocol,
        port: r.port ?? null,
        sources: sources(r.direction === 'out' ? r.destination_ips : r.source_ips),
      });
    }
  } else {
    for (const r of fw.inbound_rule ?? []) {
      rules.push({ direction: 'in', protocol: r.protocol, port: r.port_range ?? null, sources: sources(r.source_addresses) });
    }
    for (const r of fw.outbound_rule ?? []) {
      rules.push({ direction: 'out', protocol: r.protocol, port: r.port_range ?? null, sources: sources(r.destination_addresses) });
    }
  }
  return { rules, problems };
}

function portRange(port) {
  if (port === null || port === undefined) return null;
  if (port === 'any') return [1, 65535];
  const m = /^(\d+)(?:-(\d+))?$/.exec(String(port));
  if (!m) return undefined;
  const lo = Number(m[1]);
  const hi = Number(m[2] ?? m[1]);
  return lo >= 1 && hi <= 65535 && lo <= hi ? [lo, hi] : undefined;
}

// The expression the k3s-internal rules must name as their only source.
export function networkSource(config, spec) {
  const [networkAddr] = only(config, spec.types.network, []);
  return spec.provider === 'hcloud' ? `var.${spec.networkRangeVar}` : `${networkAddr}.ip_range`;
}

export function checkFirewall(config, spec) {
  const { rules, problems } = firewallRules(config, spec);
  const inbound = rules.filter((r) => r.direction === 'in');
  const net = networkSource(config, spec);
  const same = (a, b) => JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());
  const show = (s) => s.join(' ');

  const expected = [
    { protocol: 'tcp', port: '22', sources: ['var.ssh_allowed_cidrs'], what: 'SSH' },
    { protocol: 'tcp', port: '6443', sources: ['var.api_allowed_cidrs'], what: 'Kubernetes API' },
    { protocol: 'tcp', port: '80', sources: ANYWHERE, what: 'HTTP' },
    { protocol: 'tcp', port: '443', sources: ANYWHERE, what: 'HTTPS' },
    { protocol: 'icmp', port: null, sources: ANYWHERE, what: 'ICMP' },
    ...K3S_INTERNAL_PORTS.map((p) => ({ ...p, sources: [net] })),
  ];
  const matched = new Set();
  for (const e of expected) {
    const found = inbound.filter((r) => r.protocol === e.protocol && r.port === e.port);
    if (found.length === 0) {
      problems.push(`no inbound rule for ${e.protocol}${e.port ? ` ${e.port}` : ''} (${e.what})`);
      continue;
    }
    if (found.length > 1) problems.push(`more than one inbound rule for ${e.protocol} ${e.port}`);
    for (const r of found) {
      matched.add(r);
      if (!same(r.sources, e.sources)) {
        problems.push(`inbound ${e.protocol}${e.port ? ` ${e.port}` : ''} (${e.what}) is open to ${show(r.sources)}, expected ${show(e.sources)}`);
      }
    }
  }
  for (const r of inbound) {
    if (!matched.has(r)) problems.push(`unexpected inbound rule ${r.protocol} ${r.port} from ${show(r.sources)}`);
  }

  for (const r of rules) {
    if (!['tcp', 'udp', 'icmp'].includes(r.protocol)) problems.push(`rule with protocol ${r.protocol}`);
    if (r.protocol === 'icmp' && r.port !== null) problems.push('an icmp rule takes no port');
    if (r.protocol !== 'icmp' && !portRange(r.port)) problems.push(`${r.protocol} rule with bad port ${JSON.stringify(r.port)}`);
  }

  // Whatever the rules above say: no k3s-internal port is reachable from
  // anything but the private network.
  for (const p of K3S_INTERNAL_PORTS) {
    const [lo, hi] = portRange(p.port);
    for (const r of inbound) {
      const range = portRange(r.port);
      if (r.protocol !== p.protocol || !range || range[1] < lo || range[0] > hi) continue;
      const outside = r.sources.filter((s) => s !== net);
      if (outside.length) problems.push(`k3s port ${p.port}/${p.protocol} (${p.what}) is reachable from ${show(outside)}`);
    }
  }

  const outbound = rules.filter((r) => r.direction === 'out');
  if (spec.provider === 'hcloud') {
    // Hetzner: any outbound rule turns outbound traffic into an allow list.
    if (outbound.length) problems.push('hcloud firewall must have no outbound rules (all outbound traffic allowed)');
  } else {
    // DigitalOcean: without outbound rules nothing leaves the Droplet.
    for (const [protocol, port] of [['tcp', '1-65535'], ['udp', '1-65535'], ['icmp', null]]) {
      if (!outbound.some((r) => r.protocol === protocol && r.port === port && same(r.sources, ANYWHERE))) {
        problems.push(`no outbound rule allowing ${protocol} ${port ?? ''} to anywhere`.trim());
      }
    }
  }
  return problems;
}

export function checkResources(config, spec) {
  const problems = [];
  const [networkAddr, network] = only(config, spec.types.network, problems);
  const [sshAddr, ssh] = only(config, spec.types.sshKey, problems);
  const [firewallAddr, firewall] = only(config, spec.types.firewall, problems);
  const [serverAddr, server] = only(config, spec.types.server, problems);
  const expect = (what, value, text) => {
    if (!isExpr(value, text)) problems.push(`${what} must be ${text}, got ${JSON.stringify(value)}`);
  };
  const expectRef = (what, value, addr) => {
    if (!deepRefs(config, value).resources.has(addr)) problems.push(`${what} must reference ${addr}, got ${JSON.stringify(value)}`);
  };
  const expectVar = (what, value, name) => {
    if (!deepRefs(config, value).vars.has(name)) problems.push(`${what} must use var.${name}, got ${JSON.stringify(value)}`);
  };

  // Every resource is named after the pool.
  for (const [type, byName] of Object.entries(config.resource)) {
    for (const [name, block] of Object.entries(byName)) {
      if ('name' in block) expectVar(`${type}.${name} name`, block.name, 'name_prefix');
    }
  }

  // network
  expect(`${networkAddr} ip_range`, network.ip_range, `var.${spec.networkRangeVar}`);
  if (spec.provider === 'hcloud') {
    const [subnetAddr, subnet] = only(config, 'hcloud_network_subnet', problems);
    expect(`${subnetAddr} network_id`, subnet.network_id, `${networkAddr}.id`);
    expect(`${subnetAddr} ip_range`, subnet.ip_range, 'var.subnet_ip_range');
    if (subnet.type !== 'cloud') problems.push(`${subnetAddr} type must be "cloud"`);
    const attach = server.network ?? [];
    if (attach.length !== 1) problems.push(`${serverAddr} must have one network block`);
    else {
      expect(`${serverAddr} network.subnet_id`, attach[0].subnet_id, `${subnetAddr}.id`);
      if (JSON.stringify(attach[0].alias_ips) !== '[]') problems.push(`${serverAddr} network.alias_ips must be [] (terraform-provider-hcloud#650)`);
    }
    const pub = server.public_net?.[0] ?? {};
    if (pub.ipv4_enabled !== true) problems.push(`${serverAddr} needs a public IPv4 (public_net.ipv4_enabled = true): the installer connects to it`);
    expectVar(`${networkAddr} labels`, network.labels, spec.labelsVar);
  } else {
    expect(`${networkAddr} region`, network.region, `var.${spec.regionVar}`);
    expect(`${serverAddr} vpc_uuid`, server.vpc_uuid, `${networkAddr}.id`);
    if (server.ipv6 !== true) problems.push(`${serverAddr} should enable ipv6 (the modules give every server an IPv6 address)`);
  }

  // SSH key
  expect(`${sshAddr} public_key`, ssh.public_key, 'var.ssh_public_key');

  // servers
  expect(`${serverAddr} count`, server.count, 'var.server_count');
  expect(`${serverAddr} image`, server.image, 'var.image');
  expect(`${serverAddr} ${spec.sizeAttr}`, server[spec.sizeAttr], `var.${spec.sizeVar}`);
  expect(`${serverAddr} ${spec.regionAttr}`, server[spec.regionAttr], `var.${spec.regionVar}`);
  const name = exprText(server.name) ?? '';
  if (!/var\.name_prefix/.test(name) || !/count\.index/.test(name)) {
    problems.push(`${serverAddr} name must be built from var.name_prefix and count.index, got ${JSON.stringify(server.name)}`);
  }
  expectRef(`${serverAddr} ssh_keys`, server.ssh_keys, sshAddr);
  expectVar(`${serverAddr} ${spec.labelsAttr}`, server[spec.labelsAttr], spec.labelsVar);

  // The firewall covers every server.
  if (spec.provider === 'hcloud') {
    expectRef(`${serverAddr} firewall_ids`, server.firewall_ids, firewallAddr);
  } else {
    const tagRefs = [...deepRefs(config, firewall.tags).resources].filter((r) => r.startsWith('digitalocean_tag.'));
    if (tagRefs.length !== 1) problems.push(`${firewallAddr} must apply through one digitalocean_tag (tags), got ${JSON.stringify(firewall.tags)}`);
    else expectRef(`${serverAddr} tags`, server.tags, tagRefs[0]);
    if (firewall.droplet_ids) problems.push(`${firewallAddr} must not list droplet_ids (at most 10; the pool tag scales)`);
  }

  // Nodes are never replaced behind the drain logic's back.
  const ignoreValue = server.lifecycle?.[0]?.ignore_changes;
  const ignore = Array.isArray(ignoreValue) ? ignoreValue.map((v) => exprText(v) ?? v) : [exprText(ignoreValue) ?? ''];
  for (const attr of ['ssh_keys', 'image']) {
    if (!ignore.includes(attr)) problems.push(`${serverAddr} lifecycle.ignore_changes must include ${attr} (a change would replace every node)`);
  }
  return problems;
}

// Every check of one module.
export function checkModule(config, spec, versions) {
  return [
    ...checkStructure(config),
    ...checkTerraformBlock(config, spec, versions),
    ...checkProviderAndToken(config, spec),
    ...checkVariables(config, spec),
    ...checkResources(config, spec),
    ...checkFirewall(config, spec),
    ...checkOutputs(config, spec),
  ];
}
