// The checks of lib/terraform.mjs can fail: each case below edits a copy of a
// module's source text the way a careless change would (a firewall rule
// dropped, a provider unpinned, the token leaked ...), parses the result and
// expects the checks to name the problem. Nothing on disk changes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MODULES, loadModule, readModuleSources, readVersionsEnv, checkModule } from './lib/terraform.mjs';

const { values: versions } = readVersionsEnv();

// Replaces `from` (a string or a RegExp) in one file; fails the test if the
// text to change is not there any more, so a case cannot pass vacuously.
function edit(sources, file, from, to) {
  const before = sources[file];
  const after = before.replace(from, to);
  assert.notEqual(after, before, `mutation did not apply to ${file}: ${from}`);
  return { ...sources, [file]: after };
}

async function problemsAfter(name, mutate) {
  const config = await loadModule(name, mutate(readModuleSources(name)));
  return checkModule(config, MODULES[name], versions);
}

async function expectProblem(name, mutate, pattern) {
  const problems = await problemsAfter(name, mutate);
  assert.ok(problems.some((p) => pattern.test(p)), `expected a problem matching ${pattern}, got:\n${problems.join('\n')}`);
}

// A firewall rule block (hcloud `rule { ... }`, DigitalOcean `inbound_rule { ... }`) holding `needle`.
function ruleBlock(keyword, needle) {
  return new RegExp(`\\n  ${keyword} \\{\\n(?:(?!\\n  \\}).)*${needle}(?:(?!\\n  \\}).)*\\n  \\}\\n`, 's');
}

describe('the unmodified modules pass every check', () => {
  for (const name of Object.keys(MODULES)) {
    it(name, async () => {
      assert.deepEqual(await problemsAfter(name, (s) => s), []);
    });
  }
});

describe('a broken module is caught', () => {
  it('hcloud: the SSH rule is gone', () =>
    expectProblem('hcloud', (s) => edit(s, 'main.tf', ruleBlock('rule', 'port        = "22"'), '\n'), /no inbound rule for tcp 22/));

  it('digitalocean: the HTTPS rule is gone', () =>
    expectProblem('digitalocean', (s) => edit(s, 'main.tf', ruleBlock('inbound_rule', 'port_range       = "443"'), '\n'), /no inbound rule for tcp 443/));

  it('hcloud: SSH is opened to the whole internet', () =>
    expectProblem('hcloud', (s) => edit(s, 'main.tf', 'source_ips  = var.ssh_allowed_cidrs', 'source_ips  = local.anywhere'),
      /tcp 22 \(SSH\) is open to 0\.0\.0\.0\/0 ::\/0/));

  it('digitalocean: the kubelet port is opened to the internet', () =>
    expectProblem('digitalocean', (s) => edit(s, 'main.tf',
      /(port_range       = "10250"\n    source_addresses = )\[digitalocean_vpc\.this\.ip_range\]/, '$1local.anywhere'),
    /k3s port 10250\/tcp \(kubelet\) is reachable from 0\.0\.0\.0\/0/));

  it('hcloud: an extra rule opens every UDP port, flannel included', () =>
    expectProblem('hcloud', (s) => edit(s, 'main.tf', /\n  rule \{\n    description = "HTTP \(Traefik\)"/,
      '\n  rule {\n    direction  = "in"\n    protocol   = "udp"\n    port       = "any"\n    source_ips = ["0.0.0.0/0"]\n  }\n$&'),
    /k3s port 8472\/udp \(flannel VXLAN\) is reachable from 0\.0\.0\.0\/0/));

  it('digitalocean: no outbound rule for UDP (DNS, NTP would break)', () =>
    expectProblem('digitalocean', (s) => edit(s, 'main.tf', ruleBlock('outbound_rule', 'protocol              = "udp"'), '\n'),
      /no outbound rule allowing udp 1-65535/));

  it('hcloud: the provider is not pinned exactly', () =>
    expectProblem('hcloud', (s) => edit(s, 'versions.tf', 'version = "1.68.0"', 'version = "~> 1.68"'), /must be pinned exactly/));

  it('digitalocean: the pin differs from deploy/versions.env', () =>
    expectProblem('digitalocean', (s) => edit(s, 'versions.tf', /version = "[\d.]+"/, 'version = "2.0.0"'), /versions\.env/));

  it('hcloud: the backend block is missing', () =>
    expectProblem('hcloud', (s) => edit(s, 'versions.tf', '  backend "kubernetes" {}\n', ''), /backend "kubernetes"/));

  it('digitalocean: the backend is configured in the file instead of by the runner', () =>
    expectProblem('digitalocean', (s) => edit(s, 'versions.tf', 'backend "kubernetes" {}', 'backend "kubernetes" {\n    secret_suffix = "state"\n  }'),
      /must stay empty/));

  it('hcloud: the token is not sensitive', () =>
    expectProblem('hcloud', (s) => edit(s, 'variables.tf', /(variable "hcloud_token" \{[^}]*?)  sensitive   = true\n/, '$1'),
      /hcloud_token must be sensitive/));

  it('digitalocean: the token leaks into an output', () =>
    expectProblem('digitalocean', (s) => ({
      ...s,
      'leak.tf': 'output "api" {\n  description = "x"\n  value       = var.digitalocean_token\n  sensitive   = true\n}\n',
    }), /output api leaks sensitive var\.digitalocean_token/));

  it('hcloud: the token leaks through a local into a label', () =>
    expectProblem('hcloud', (s) => edit(s, 'main.tf', '"shapeblock-pool" = var.name_prefix', '"shapeblock-pool" = var.hcloud_token'),
      /var\.hcloud_token is used outside the provider block/));

  it('digitalocean: the pool size is hard-coded', () =>
    expectProblem('digitalocean', (s) => edit(s, 'main.tf', 'count = var.server_count', 'count = 3'), /count must be var\.server_count/));

  it('hcloud: server_count lost its >= 1 validation', () =>
    expectProblem('hcloud', (s) => edit(s, 'variables.tf', 'var.server_count >= 1 && ', ''), /server_count needs a validation/));

  it('digitalocean: a variable named count (reserved by Terraform)', () =>
    expectProblem('digitalocean', (s) => edit(s, 'variables.tf', 'variable "server_count"', 'variable "count"'),
      /variable name count is reserved/));

  it('hcloud: a reference to an undeclared variable', () =>
    expectProblem('hcloud', (s) => edit(s, 'main.tf', 'image        = var.image', 'image        = var.os_image'),
      /var\.os_image is used but not declared/));

  it('digitalocean: servers without the firewall tag', () =>
    expectProblem('digitalocean', (s) => edit(s, 'main.tf', 'concat(["shapeblock", digitalocean_tag.pool.id], var.tags)', 'concat(["shapeblock"], var.tags)'),
      /digitalocean_droplet\.node tags must reference digitalocean_tag\.pool/));

  it('hcloud: servers would be replaced on an image change', () =>
    expectProblem('hcloud', (s) => edit(s, 'main.tf', 'ignore_changes = [ssh_keys, image]', 'ignore_changes = [ssh_keys]'),
      /ignore_changes must include image/));

  it('digitalocean: an output loses the private address', () =>
    expectProblem('digitalocean', (s) => edit(s, 'outputs.tf', /\n\s*private_ipv4 = d\.ipv4_address_private/, ''),
      /output servers objects must have keys/));

  it('hcloud: a block defined twice', () =>
    expectProblem('hcloud', (s) => ({ ...s, 'extra.tf': 'variable "image" {\n  description = "x"\n  type = string\n}\n' }),
      /defined more than once: variable image/));
});
