// The node-pool modules deploy/terraform/{hcloud,digitalocean}, parsed with
// @cdktf/hcl2json: resources, variables, outputs, provider pins, backend,
// the pinned versions file and the runner's documentation.
// Run: node --test tests/deploy/terraform/ (after npm ci there), or
// ctest -R terraform.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  MODULES, SOURCE_DIR, TERRAFORM_DIR, ANYWHERE, K3S_INTERNAL_PORTS, SERVER_OUTPUT_KEYS,
  loadModule, parseHcl, readModuleSources, readVersionsEnv, validationRegex, firewallRules, networkSource,
  checkStructure, checkTerraformBlock, checkProviderAndToken, checkVariables, checkResources, checkFirewall,
  checkOutputs, exprText,
} from './lib/terraform.mjs';

const { values: versions, problems: versionProblems } = readVersionsEnv();

describe('the HCL parser', () => {
  it('refuses a syntax error, so a module that parses is valid HCL', async () => {
    await assert.rejects(parseHcl('broken.tf', 'resource "hcloud_server" "x" {\n  name = \n'), /does not parse/);
    await assert.rejects(parseHcl('broken.tf', 'variable "x" { type = string'), /does not parse/);
  });

  it('keeps expressions as their source text', async () => {
    const parsed = await parseHcl('t.tf', 'resource "a_b" "c" {\n  count = var.n\n  x = "lit"\n}\n');
    assert.equal(parsed.resource.a_b.c[0].count, '${var.n}');
    assert.equal(parsed.resource.a_b.c[0].x, 'lit');
  });
});

for (const [name, spec] of Object.entries(MODULES)) {
  describe(`deploy/terraform/${name}`, () => {
    let config;
    before(async () => {
      config = await loadModule(name);
    });

    it('parses every .tf file and has the expected files', () => {
      const files = Object.keys(readModuleSources(name));
      assert.ok(files.length >= 4, `${name} has ${files.length} .tf files`);
      assert.deepEqual(Object.keys(config.files).sort(), files.sort());
      assert.deepEqual(checkStructure(config), []);
    });

    it('pins Terraform and its provider exactly, to the versions in deploy/versions.env', () => {
      assert.deepEqual(checkTerraformBlock(config, spec, versions), []);
      const block = config.terraform[0].block;
      const provider = Object.assign({}, ...block.required_providers)[spec.provider];
      assert.equal(provider.version, versions[spec.versionKey]);
    });

    it('leaves the kubernetes backend to -backend-config (partial configuration)', () => {
      assert.deepEqual(config.terraform[0].block.backend, { kubernetes: [{}] });
    });

    it('takes the provider token from a sensitive variable used by the provider only', () => {
      assert.deepEqual(checkProviderAndToken(config, spec), []);
      const token = config.variable[spec.tokenVar];
      assert.equal(token.sensitive, true);
      assert.equal(token.type, '${string}');
      assert.ok(!('default' in token));
    });

    it('declares typed, described variables with sensible defaults and validations', () => {
      assert.deepEqual(checkVariables(config, spec), []);
      const v = config.variable;
      assert.equal(v.server_count.default, 1);
      assert.equal(v.image.default, spec.imageDefault, 'Debian 12 by default');
      assert.deepEqual(v.api_allowed_cidrs.default, ANYWHERE);
      assert.ok(!('default' in v.ssh_allowed_cidrs), 'who may SSH in is always chosen');
      assert.equal(typeof v[spec.sizeVar].default, 'string');
      assert.equal(typeof v[spec.regionVar].default, 'string');
    });

    it('validates name_prefix as a DNS label short enough for "-<n>"', () => {
      const re = validationRegex(config.variable.name_prefix, 'name_prefix');
      assert.ok(re, 'name_prefix has a regex validation');
      for (const ok of ['a', 'prod', 'shop-eu-1', 'a'.repeat(40)]) assert.ok(re.test(ok), `accepts ${ok}`);
      for (const bad of ['', 'Prod', '1abc', 'a_b', 'abc-', '-abc', 'a.b', 'a'.repeat(41)]) assert.ok(!re.test(bad), `refuses ${JSON.stringify(bad)}`);
    });

    it('accepts OpenSSH public keys only, never a private key', () => {
      const re = validationRegex(config.variable.ssh_public_key, 'ssh_public_key');
      assert.ok(re, 'ssh_public_key has a regex validation');
      const ok = [
        'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq3p0fWbW5ZJ2vJ1x8G3b0YlV8d8m6o3C0n2d1Yx9Qk shapeblock@cluster-1',
        'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq3p0fWbW5ZJ2vJ1x8G3b0YlV8d8m6o3C0n2d1Yx9Qk',
        'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 user@host',
        'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBE= key',
      ];
      const bad = [
        '-----BEGIN OPENSSH PRIVATE KEY-----',
        'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
        'ssh-ed25519',
        'ssh-dss AAAAB3NzaC1kc3MAAACBAP',
        'ssh-ed25519 AAAAC3Nza one\nssh-ed25519 AAAAC3Nza two',
        '',
      ];
      for (const k of ok) assert.ok(re.test(k), `accepts ${k.slice(0, 30)}...`);
      for (const k of bad) assert.ok(!re.test(k), `refuses ${JSON.stringify(k.slice(0, 30))}`);
    });

    it('creates the network, SSH key and server pool from the variables', () => {
      assert.deepEqual(checkResources(config, spec), []);
      const server = Object.values(config.resource[spec.types.server])[0];
      assert.equal(server.count, '${var.server_count}');
      assert.equal(server.image, '${var.image}');
      assert.equal(server[spec.sizeAttr], `\${var.${spec.sizeVar}}`);
      assert.equal(server[spec.regionAttr], `\${var.${spec.regionVar}}`);
      const ssh = Object.values(config.resource[spec.types.sshKey])[0];
      assert.equal(ssh.public_key, '${var.ssh_public_key}');
    });

    it('opens SSH, the API, HTTP(S) and ICMP, and the k3s ports only inside the network', () => {
      assert.deepEqual(checkFirewall(config, spec), []);
      const { rules } = firewallRules(config, spec);
      const rule = (protocol, port) => rules.find((r) => r.direction === 'in' && r.protocol === protocol && r.port === port);
      assert.deepEqual(rule('tcp', '22').sources, ['var.ssh_allowed_cidrs']);
      assert.deepEqual(rule('tcp', '6443').sources, ['var.api_allowed_cidrs']);
      assert.deepEqual(rule('tcp', '80').sources, ANYWHERE);
      assert.deepEqual(rule('tcp', '443').sources, ANYWHERE);
      for (const p of K3S_INTERNAL_PORTS) {
        assert.deepEqual(rule(p.protocol, p.port)?.sources, [networkSource(config, spec)], `${p.port}/${p.protocol} (${p.what})`);
      }
    });

    it('outputs the addresses of every server and the network id, and nothing secret', () => {
      assert.deepEqual(checkOutputs(config, spec), []);
      for (const out of Object.values(config.output)) assert.notEqual(out.sensitive, true);
    });
  });
}

describe('both modules', () => {
  it('give `servers` the same shape, so the runner reads them alike', async () => {
    const shapes = [];
    for (const name of Object.keys(MODULES)) {
      const config = await loadModule(name);
      const text = exprText(config.output.servers.value);
      shapes.push([...text.matchAll(/^\s*(\w+)\s*=/gm)].map((m) => m[1]).sort());
    }
    assert.deepEqual(shapes[0], SERVER_OUTPUT_KEYS);
    assert.deepEqual(shapes[1], SERVER_OUTPUT_KEYS);
  });

  it('share the names of the inputs the runner sets for every provider', async () => {
    const common = ['name_prefix', 'server_count', 'image', 'ssh_public_key', 'ssh_allowed_cidrs', 'api_allowed_cidrs'];
    for (const name of Object.keys(MODULES)) {
      const config = await loadModule(name);
      for (const v of common) assert.ok(v in config.variable, `${name} declares ${v}`);
    }
  });
});

describe('deploy/versions.env', () => {
  it('is plain KEY=value lines', () => {
    assert.deepEqual(versionProblems, []);
  });

  it('pins every component of issue 16', () => {
    for (const key of [
      'K3S_VERSION', 'K3S_INSTALL_SCRIPT_URL', 'CERT_MANAGER_VERSION', 'CERT_MANAGER_CHART_REPO', 'REGISTRY_IMAGE',
      'TERRAFORM_VERSION', 'TERRAFORM_IMAGE', 'TERRAFORM_PROVIDER_HCLOUD', 'TERRAFORM_PROVIDER_DIGITALOCEAN',
    ]) {
      assert.ok(versions[key], `${key} is set`);
    }
    assert.match(versions.K3S_VERSION, /^v\d+\.\d+\.\d+\+k3s\d+$/);
    assert.match(versions.CERT_MANAGER_VERSION, /^v\d+\.\d+\.\d+$/);
    assert.match(versions.TERRAFORM_VERSION, /^\d+\.\d+\.\d+$/);
    for (const [key, value] of Object.entries(versions)) {
      assert.doesNotMatch(value, /(^|[:@])latest$|(^|[:@])stable$/, `${key} is pinned, not a moving tag`);
    }
    for (const key of ['REGISTRY_IMAGE', 'TERRAFORM_IMAGE']) {
      assert.match(versions[key], /^[a-z0-9.-]+(\/[a-z0-9._-]+)+:[\w.-]+$/, `${key} names a registry, repository and tag`);
    }
    assert.ok(versions.TERRAFORM_IMAGE.endsWith(`:${versions.TERRAFORM_VERSION}`), 'TERRAFORM_IMAGE is TERRAFORM_VERSION');
  });
});

describe('deploy/terraform/README.md', () => {
  const readme = fs.readFileSync(path.join(TERRAFORM_DIR, 'README.md'), 'utf8');

  it('documents the -backend-config keys the runner passes', () => {
    for (const key of ['secret_suffix', 'namespace', 'in_cluster_config']) {
      assert.match(readme, new RegExp(`-backend-config=${key}=`), `mentions -backend-config=${key}=`);
    }
  });

  it('documents every variable of both modules', async () => {
    for (const name of Object.keys(MODULES)) {
      const config = await loadModule(name);
      for (const v of Object.keys(config.variable)) assert.match(readme, new RegExp(`\`${v}\``), `${name}: ${v}`);
      for (const o of Object.keys(config.output)) assert.match(readme, new RegExp(`\`${o}\``), `${name}: output ${o}`);
    }
  });

  it('is linked from deploy/README.md together with deploy/versions.env', () => {
    const deployReadme = fs.readFileSync(path.join(SOURCE_DIR, 'deploy/README.md'), 'utf8');
    assert.match(deployReadme, /terraform\/README\.md/);
    assert.match(deployReadme, /versions\.env/);
    assert.match(readme, /versions\.env/);
  });
});
